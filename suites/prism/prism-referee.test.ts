// Prism as referee: the mock's answers pass Prism's own validation against fixtures/openapi.yaml in
// a whole functional run; a deployment whose answers break the document fails SCHEMA-1 in Prism's
// words; a missing Prism is a clear usage error.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fixturePath } from '../../contract/index.js';
import { tempDir } from '../../mock/test-support/temp-dir.js';
import { runRunCommand } from '../cli.js';
import { embeddedTarget, type Target } from '../harness/target.js';
import type { Exchange } from '../harness/http-client.js';
import { createPrismReferee, importOptional, PrismMissing, type PrismReferee } from './prism-referee.js';

const dir = tempDir('cb-prism-');
let referee: PrismReferee;
beforeAll(async () => {
  referee = await createPrismReferee();
});

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runRunCommand([...args, '--format', 'none'], (l) => out.push(l), (l) => err.push(l));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const exchange = (url: string, status: number, contentType: string, body: string, headers: Record<string, string[]> = {}): Exchange => ({
  probe: { method: 'GET', path: new URL(url).pathname, headers: [['Authorization', 'Bearer cbr_live_x']] },
  url,
  status,
  headers: { 'content-type': [contentType], ...headers },
  body,
  ms: 1,
});

describe('Prism as referee (SCHEMA-1)', () => {
  it('SCHEMA-1: Prism finds the answers that break the document, and lets the ones that keep it pass', async () => {
    const problem = JSON.stringify({ type: 'urn:casebender:problem:invalid_key', title: 'Unauthorized', status: 401, detail: 'The API key is not valid.', code: 'invalid_key' });
    expect(await referee.check(exchange('http://h/api/v1/alerts', 401, 'application/problem+json', problem, { 'www-authenticate': ['Bearer realm="CaseBender"'] }))).toEqual({ kind: 'valid' });
    // CaseBender documents GET /alerts as a top-level array: an envelope breaks it; the array keeps it.
    const list = await referee.check(exchange('http://h/api/v1/alerts?limit=1', 200, 'application/json', JSON.stringify({ data: [] })));
    expect(list).toMatchObject({ kind: 'violations', messages: [expect.stringMatching(/array/)] });
    expect(await referee.check(exchange('http://h/api/v1/alerts', 200, 'application/json', '[]'))).toEqual({ kind: 'valid' });
    const cases = await referee.check(exchange('http://h/api/v1/cases?limit=1', 200, 'application/json', JSON.stringify({ data: [] })));
    expect(cases).toMatchObject({ kind: 'violations', messages: [expect.stringMatching(/pagination/)] });
    const plain = await referee.check(exchange('http://h/api/v1/alerts', 401, 'text/plain', 'no'));
    expect(plain).toMatchObject({ kind: 'violations', messages: expect.arrayContaining([expect.stringMatching(/media type "text\/plain"/), expect.stringMatching(/www-authenticate/)]) });
    expect(await referee.check(exchange('http://h/api/v1/nowhere', 404, 'application/problem+json', '{}'))).toMatchObject({ kind: 'unrouted' });
  });

  it('SCHEMA-1: Prism judges the body of every operation’s JSON success answer (none of its schemas is silently skipped)', async () => {
    // Prism skips a schema it cannot compile and calls every answer valid: a string body must break each one.
    const doc = parse(readFileSync(fixturePath('openapi.yaml'), 'utf8')) as { paths: Record<string, Record<string, { responses?: Record<string, { $ref?: string }> }>> };
    const unjudged: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      if (!path.startsWith('/api/v1/')) continue;
      for (const [method, operation] of Object.entries(item)) {
        if (method === 'parameters') continue;
        const status = Object.keys(operation.responses ?? {}).find((s) => s.startsWith('2') && s !== '204');
        if (status === undefined) continue;
        const url = `http://h${path.replace(/\{\w+\}/g, 'x1')}`;
        const verdict = await referee.check({ ...exchange(url, Number(status), 'application/json', '"not an entity"'), probe: { method: method.toUpperCase(), path: new URL(url).pathname, headers: [['Authorization', 'Bearer cbr_live_x']] } });
        if (verdict.kind !== 'violations') unjudged.push(`${method.toUpperCase()} ${path} ${status}: ${verdict.kind}`);
      }
    }
    expect(unjudged).toEqual([]);
  });

  it('a missing Prism is named, with the command that installs it', async () => {
    await expect(importOptional('@stoplight/prism-not-a-package')).rejects.toThrow(PrismMissing);
    await expect(importOptional('@stoplight/prism-not-a-package')).rejects.toThrow(/npm install --no-save @stoplight\/prism-cli@5\.14\.2/);
  });
});

describe('casebender run --validate-with-prism', () => {
  let target: Target;
  let breaking: Server;
  let breakingOurs: Server;
  let profileFile: string;
  beforeAll(async () => {
    target = await embeddedTarget();
    const upstream = new URL(target.profile.target.baseUrl);
    // A deployment whose alert lists come in an envelope, not as the top-level array CaseBender
    // documents (breaking) — or whose case lists, a shape of the project's own, are bare arrays (breakingOurs).
    const proxy = (rewrite: (url: string, body: string) => string) => createServer((req, res) => {
      const forward = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', () => {
          let body = Buffer.concat(chunks).toString('utf8');
          if (answer.statusCode === 200 && req.method === 'GET') body = rewrite(req.url ?? '', body);
          const { 'content-length': _length, ...headers } = answer.headers;
          res.writeHead(answer.statusCode ?? 502, headers);
          res.end(body);
        });
      });
      req.pipe(forward);
    });
    breaking = proxy((url, body) => (/^\/api\/v1\/alerts(\?|$)/.test(url) ? `{"data":${body}}` : body));
    breakingOurs = proxy((url, body) => (/^\/api\/v1\/cases(\?|$)/.test(url) ? JSON.stringify((JSON.parse(body) as { data: unknown[] }).data) : body));
    await new Promise<void>((resolve) => breaking.listen(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => breakingOurs.listen(0, '127.0.0.1', resolve));
    const { source: _source, ...profile } = target.profile;
    profileFile = join(dir, 'profile.json');
    writeFileSync(profileFile, JSON.stringify(profile));
  }, 30_000);
  afterAll(async () => {
    breaking?.close();
    breakingOurs?.close();
    await target?.stop();
  });

  it('SCHEMA-1: the mock passes a functional run with every answer judged by Prism', async () => {
    const { code, out } = await run(['--validate-with-prism', '--skip', 'RL,HDR', '--verbose']);
    expect(code, out).toBe(0);
    expect(out).toMatch(/PASS SCHEMA-1 .*Prism judged \d+ of them valid/);
  }, 120_000);

  it('SCHEMA-1: a breach only of parts CaseBender does not document (case lists) differs, never fails, and counts answers', async () => {
    const port = (breakingOurs.address() as { port: number }).port;
    const { code, out } = await run(['--profile', profileFile, '--target', `http://127.0.0.1:${port}/api/v1`, '--only', 'TLP-3,SCHEMA', '--validate-with-prism']);
    expect(code, out).toBe(0);
    const line = /SCHEMA-1 \(REF\)[^\n]*\n?[^\n]*?(\d+) of (\d+) answers do not match the document \((\d+) in parts CaseBender does not document, found by Prism\)/.exec(out);
    expect(line, out).not.toBeNull();
    expect(Number(line![1])).toBeLessThanOrEqual(Number(line![2]));
    expect(out).not.toMatch(/FAIL SCHEMA-1/);
  }, 60_000);

  it('SCHEMA-1: a deployment whose lists break the document fails, in Prism’s words', async () => {
    const port = (breaking.address() as { port: number }).port;
    const { code, out } = await run(['--profile', profileFile, '--target', `http://127.0.0.1:${port}/api/v1`, '--only', 'CRED,SCHEMA', '--validate-with-prism']);
    expect(code).toBe(1);
    expect(out).toMatch(/FAIL SCHEMA-1 \(DOC\)[\s\S]*Prism finds \d+ of \d+ answers in breach of the OpenAPI document; first: Prism: body: Response body must be array/);
  }, 60_000);
});
