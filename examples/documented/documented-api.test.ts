// A client written from CaseBender's API reference, run unchanged against the mock: every
// documented operation with the reference's own request (documented-requests.ts), once with each
// documented way to present a key (X-Api-Key, Bearer, the legacy x-api-key + x-api-secret pair),
// against `casebender mock` started as a user starts it and against the MSW handlers. The answers
// are judged by what the reference documents: status where shown, and the documented fields.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandlers } from '../../mock/msw/index.js';
import { tempDir } from '../../mock/test-support/temp-dir.js';
import {
  ALERT_FIELDS, CASE_DETAIL_FIELDS, CASE_FIELDS, CASE_OBSERVABLE_FIELDS, STATUS_FIELDS, TASK_FIELDS, USER_FIELDS,
  alertWithFilesDocument, createAlertBody, createCaseBody, createCaseFromAlertBody, credentialHeaders, updateAlertBody, updateCaseBody,
  type Credential,
} from './documented-requests.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = tempDir('cb-documented-');

interface Target {
  /** The documented base, `https://<instance>/api`. */
  readonly api: string;
  readonly credentials: Readonly<Record<Credential['kind'], Credential>>;
  /** Seeded entities of the mock, to merge into and read. */
  stop(): Promise<void>;
}

interface ProfileKey {
  readonly name: string;
  readonly kind: 'modern' | 'legacy';
  readonly key?: string;
  readonly accessKey?: string;
  readonly secret?: string;
}

function credentialsOf(modern: string, legacy: { accessKey: string; secret: string }): Target['credentials'] {
  return { 'x-api-key': { kind: 'x-api-key', key: modern }, bearer: { kind: 'bearer', key: modern }, legacy: { kind: 'legacy', ...legacy } };
}

/** `casebender mock` as a client developer starts it, on a free port; its keys from the profile it writes. */
async function cliMock(): Promise<Target> {
  const profilePath = join(dir, 'profile.json');
  const child: ChildProcess = spawn(process.execPath, ['bin/casebender.js', 'mock', '--port', '0', '--profile-out', profilePath, '--quiet'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const origin = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (http:\/\/[^/\s]+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => reject(new Error(`casebender mock exited ${code}: ${err}`)));
  });
  const keys = (JSON.parse(readFileSync(profilePath, 'utf8')) as { keys: ProfileKey[] }).keys;
  const rw = keys.find((k) => k.name === 'read-write')!;
  const legacy = keys.find((k) => k.name === 'legacy-rw')!;
  return {
    api: `${origin}/api`,
    credentials: credentialsOf(rw.key!, { accessKey: legacy.accessKey!, secret: legacy.secret! }),
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** The MSW handlers (the clock real, so timestamps move as a server's do). */
async function mswMock(): Promise<Target> {
  const mock = await createHandlers({ clock: 'real' });
  const server = setupServer(...mock.handlers);
  server.listen({ onUnhandledRequest: 'error' });
  return {
    api: mock.baseUrl.replace(/\/v1$/, ''),
    credentials: credentialsOf(mock.key('read-write'), mock.legacyPair('legacy-rw')),
    stop: async () => server.close(),
  };
}

type Json = Record<string, unknown>;

function expectFields(value: unknown, fields: readonly string[], what: string): asserts value is Json {
  expect(value, what).toBeTypeOf('object');
  expect(value, what).not.toBeNull();
  const missing = fields.filter((f) => !(f in (value as Json)));
  expect(missing, `${what}: documented fields missing`).toEqual([]);
}

function expectAlert(value: unknown, what: string): asserts value is Json {
  expectFields(value, ALERT_FIELDS, what);
  expect(Number.isInteger(value['tinyId']), `${what}: tinyId is an integer`).toBe(true);
  expectFields(value['status'], STATUS_FIELDS, `${what}.status`);
  expect(['New', 'InProgress', 'Closed']).toContain((value['status'] as Json)['stage']);
  for (const list of ['teams', 'tags', 'organizations', 'observables']) expect(Array.isArray(value[list]), `${what}.${list} is an array`).toBe(true);
  expect(value).not.toHaveProperty('password');
}

const SEEDED_CASE = 'case_seed000000000003'; // TLP 2, PAP 4: within the read-write keys' clearance

for (const [targetName, start] of [
  ['casebender mock', cliMock],
  ['the MSW handlers', mswMock],
] as const) {
  describe(`CaseBender's documented API against ${targetName}`, () => {
    let target: Target;
    beforeAll(async () => {
      target = await start();
    }, 30_000);
    afterAll(() => target?.stop());

    for (const kind of ['x-api-key', 'bearer', 'legacy'] as const) {
      it(`every documented operation with ${kind === 'legacy' ? 'the legacy x-api-key + x-api-secret pair' : kind === 'bearer' ? 'Authorization: Bearer' : 'X-Api-Key'}`, async () => {
        const auth = credentialHeaders(target.credentials[kind]);
        const run = `${kind}-${Date.now()}`;
        const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown; headers: Headers }> => {
          const init: RequestInit = { method, headers: { ...auth, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) } };
          if (body !== undefined) init.body = JSON.stringify(body);
          const response = await fetch(`${target.api}${path}`, init);
          const text = await response.text();
          return { status: response.status, json: text === '' ? undefined : (JSON.parse(text) as unknown), headers: response.headers };
        };

        // Create Alert: the reference's curl sample.
        const created = await call('POST', '/alerts', createAlertBody(run));
        expect(created.status, JSON.stringify(created.json)).toBe(200);
        expectAlert(created.json, 'Create Alert');
        expect(created.json).toMatchObject({ title: createAlertBody(run).title, statusValue: 'new', severity: 2, count: 1, tlp: 2, pap: 2, tags: [{ id: 123 }], teams: [{ id: 'team_soc' }] });
        const alertId = created.json['id'] as string;
        if (kind === 'legacy') expect(created.headers.get('deprecation')).toMatch(/^@\d+$/);
        else expect(created.headers.get('deprecation')).toBeNull();

        // Get Alerts: a top-level array, newest first, with the optional status filter.
        const listed = await call('GET', '/alerts');
        expect(listed.status).toBe(200);
        expect(Array.isArray(listed.json)).toBe(true);
        const alerts = listed.json as Json[];
        alerts.forEach((a, i) => expectAlert(a, `Get Alerts [${i}]`));
        const created_at = alerts.map((a) => a['createdAt'] as string);
        expect(created_at).toEqual([...created_at].sort().reverse());
        expect(alerts.some((a) => a['id'] === alertId)).toBe(true);
        const onlyNew = await call('GET', '/alerts?status=new');
        expect((onlyNew.json as Json[]).length).toBeGreaterThan(0);
        expect((onlyNew.json as Json[]).every((a) => a['statusValue'] === 'new')).toBe(true);

        // Get Alert by Id, Update Alert ({"fields": ...}) — and PUT, as the fr navigation names it.
        const got = await call('GET', `/alerts/${alertId}`);
        expect(got.status).toBe(200);
        expectAlert(got.json, 'Get Alert by Id');
        const updated = await call('PATCH', `/alerts/${alertId}`, updateAlertBody);
        expect(updated.status, JSON.stringify(updated.json)).toBe(200);
        expectAlert(updated.json, 'Update Alert');
        expect(updated.json).toMatchObject({ title: updateAlertBody.fields.title, statusValue: 'in-progress', status: { stage: 'InProgress' }, assigneeId: 'user_analyst00000003' });
        expectFields(updated.json['assignee'], USER_FIELDS, 'Update Alert: assignee');
        expect(updated.json['assignee']).toMatchObject({ id: 'user_analyst00000003' });
        const put = await call('PUT', `/alerts/${alertId}`, { fields: { statusValue: 'closed' } });
        expect(put.status).toBe(200);
        expect(put.json).toMatchObject({ statusValue: 'closed', status: { stage: 'Closed' } });

        // Create Alert with files: multipart/form-data, `alert` as a JSON string, a file observable by name.
        const form = new FormData();
        form.append('alert', JSON.stringify(alertWithFilesDocument('sample.exe')));
        form.append('file', new Blob([new Uint8Array([0x4d, 0x5a, 0x90, 0x00])], { type: 'application/octet-stream' }), 'sample.exe');
        const uploaded = await fetch(`${target.api}/alerts-attachments`, { method: 'POST', headers: auth, body: form });
        const uploadedJson = (await uploaded.json()) as Json;
        expect(uploaded.status, JSON.stringify(uploadedJson)).toBe(200);
        expectAlert(uploadedJson, 'Create Alert with files');
        expect(uploadedJson['observables']).toEqual([expect.objectContaining({ dataType: 'file', attachment: 'sample.exe' }), { dataType: 'ip', data: '8.8.8.8' }]);
        const wrongName = new FormData();
        wrongName.append('alert', JSON.stringify(alertWithFilesDocument('other.exe')));
        wrongName.append('file', new Blob(['MZ']), 'sample.exe');
        expect((await fetch(`${target.api}/alerts-attachments`, { method: 'POST', headers: auth, body: wrongName })).status).toBe(400);

        // Create Case from Alert: 200 {"caseId": ...}.
        const fromAlert = await call('POST', '/alerts/create-case', createCaseFromAlertBody([alertId]));
        expect(fromAlert.status, JSON.stringify(fromAlert.json)).toBe(200);
        expect(fromAlert.json).toEqual({ caseId: expect.any(String) });
        const caseId = (fromAlert.json as Json)['caseId'] as string;

        // Merge Alert with Case: no body; answers the Alert, now in the case.
        const second = await call('POST', '/alerts', { title: `Second login (${run})`, statusValue: 'new', severity: 1 });
        const merged = await call('POST', `/alerts/${(second.json as Json)['id'] as string}/merge/${SEEDED_CASE}`);
        expect(merged.status, JSON.stringify(merged.json)).toBe(200);
        expectAlert(merged.json, 'Merge Alert with Case');
        expect(merged.json['case']).toMatchObject({ id: SEEDED_CASE });

        // Create Case: 200, the Case; the en sample's severity 2.5 and pap 1.5 accepted.
        const newCase = await call('POST', '/cases', createCaseBody);
        expect(newCase.status, JSON.stringify(newCase.json)).toBe(200);
        expectFields(newCase.json, CASE_FIELDS, 'Create Case');
        expect(newCase.json).toMatchObject({ title: createCaseBody.title, statusValue: 'new', tlp: 2, createdAt: createCaseBody.createdAt });
        for (const n of ['severity', 'tlp', 'pap']) expect(Number.isInteger(newCase.json[n]), `Create Case ${n} is an integer`).toBe(true);

        // Get Case: the case detail, with tasks, observables, assignee and creator.
        for (const id of [caseId, SEEDED_CASE]) {
          const detail = await call('GET', `/cases/${id}`);
          expect(detail.status).toBe(200);
          expectFields(detail.json, CASE_DETAIL_FIELDS, `Get Case ${id}`);
          for (const o of detail.json['observables'] as unknown[]) expectFields(o, CASE_OBSERVABLE_FIELDS, `Get Case ${id}: observable`);
          for (const t of detail.json['tasks'] as unknown[]) expectFields(t, TASK_FIELDS, `Get Case ${id}: task`);
        }
        const seeded = (await call('GET', `/cases/${SEEDED_CASE}`)).json as Json;
        expect((seeded['tasks'] as unknown[]).length).toBeGreaterThan(0);
        expectFields(seeded['createdBy'], USER_FIELDS, 'Get Case: createdBy');
        expect(seeded['createdBy']).not.toHaveProperty('password');
        expect(seeded['createdBy']).not.toHaveProperty('salt');
        const fromAlertCase = (await call('GET', `/cases/${caseId}`)).json as Json;
        expect(fromAlertCase['observables']).toEqual([expect.objectContaining({ alertId, data: '8.8.8.8', observableTypeId: expect.any(Number) })]);

        // Update Case: {"fields": ...}; answers the case detail.
        const caseUpdated = await call('PATCH', `/cases/${caseId}`, updateCaseBody);
        expect(caseUpdated.status, JSON.stringify(caseUpdated.json)).toBe(200);
        expectFields(caseUpdated.json, CASE_DETAIL_FIELDS, 'Update Case');
        expect(caseUpdated.json).toMatchObject({ title: updateCaseBody.fields.title, statusValue: 'in-progress' });

        // Delete Alert (in the reference's navigation): gone from reads and from Get Alerts.
        expect((await call('DELETE', `/alerts/${alertId}`)).status).toBe(204);
        expect((await call('GET', `/alerts/${alertId}`)).status).toBe(404);
        expect(((await call('GET', '/alerts')).json as Json[]).some((a) => a['id'] === alertId)).toBe(false);
      });
    }
  });
}
