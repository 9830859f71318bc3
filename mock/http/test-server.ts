// Test support for the HTTP integration tests: a seeded mock on a free port, its keys and
// entities by name from the profile, credential headers, and the problem+json assertion.
import { expect } from 'vitest';
import { createMockApp, type MockApp, type MockOptions } from '../app.js';
import type { HttpLimits } from '../../contract/types.js';
import { PROBLEM_TITLES, type ProblemCode } from '../../contract/problem.js';
import type { Profile, ProfileKey } from '../../contract/profile.js';
import { startMockServer, type MockServer } from './server.js';
import { send, type Reply } from './test-client.js';

export type EntityType = 'alerts' | 'cases' | 'observables';

export interface SeededEntity {
  readonly type: EntityType;
  readonly id: string;
  readonly tlp: number;
  readonly pap: number;
}

export interface TestMock {
  readonly app: MockApp;
  readonly server: MockServer;
  readonly profile: Profile;
  /** http://127.0.0.1:<port>/api/v1 */
  readonly baseUrl: string;
  /** http://127.0.0.1:<port>/api */
  readonly unversionedUrl: string;
  /** The seeded key of that name (fixtures/seed.json), as the profile gives it. */
  keyOf(name: string): ProfileKey;
  /** The material of a seeded modern key. */
  key(name: string): string;
  /** The access key and secret of a seeded legacy pair. */
  pair(name: string): { accessKey: string; secret: string };
  /** Seeded alerts, cases and observables with their markings. */
  entities(type: EntityType, where?: (e: SeededEntity) => boolean): SeededEntity[];
  /** A control API request (X-Mock-Token set). */
  control(method: string, path: string, body?: unknown): Promise<Reply>;
  close(): Promise<void>;
}

/**
 * Starts a seeded mock on 127.0.0.1 and a free port.
 *
 * @example
 * const mock = await startTestMock({ clock: 'virtual' });
 * await send(`${mock.baseUrl}/alerts`, { headers: bearer(mock.key('read-write')) });
 */
export async function startTestMock(options: MockOptions = {}, limits?: Partial<HttpLimits>): Promise<TestMock> {
  const app = await createMockApp(options);
  const server = await startMockServer(app, { port: 0, ...(limits !== undefined ? { limits } : {}) });
  const profile = app.profile(server.baseUrl, server.controlUrl);
  const keyOf = (name: string): ProfileKey => {
    const found = profile.keys.find((k) => k.name === name);
    if (found === undefined) throw new Error(`no seeded key is named ${name}`);
    return found;
  };
  const seeded = (profile.entities ?? []).filter((e): e is SeededEntity => e.type !== 'users') as SeededEntity[];
  return {
    app,
    server,
    profile,
    baseUrl: server.baseUrl,
    unversionedUrl: `${server.origin}/api`,
    keyOf,
    key(name) {
      const key = keyOf(name).key;
      if (key === undefined) throw new Error(`the seeded key ${name} is not a modern key`);
      return key;
    },
    pair(name) {
      const { accessKey, secret } = keyOf(name);
      if (accessKey === undefined || secret === undefined) throw new Error(`the seeded key ${name} is not a legacy pair`);
      return { accessKey, secret };
    },
    entities: (type, where = () => true) => seeded.filter((e) => e.type === type && where(e)),
    control(method, path, body) {
      if (server.controlUrl === undefined || app.controlToken === undefined) throw new Error('the control API is off');
      return send(`${server.controlUrl}${path}`, {
        method,
        headers: { 'X-Mock-Token': app.controlToken, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
    },
    close: () => server.close(),
  };
}

export const bearer = (key: string): Record<string, string> => ({ Authorization: `Bearer ${key}` });
export const apiKey = (key: string): Record<string, string> => ({ 'X-Api-Key': key });
export const legacy = (pair: { accessKey: string; secret: string }): Record<string, string> => ({
  'x-api-key': pair.accessKey,
  'x-api-secret': pair.secret,
});
/** A request with a JSON body (a string is sent as is, so that it can be malformed). */
export const jsonRequest = (method: string, body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method,
  body: typeof body === 'string' ? body : JSON.stringify(body),
  headers: { 'Content-Type': 'application/json', ...headers },
});

/** `init` with more header fields. */
export const withHeaders = (init: RequestInit, headers: Record<string, string>): RequestInit => ({
  ...init,
  headers: { ...(init.headers as Record<string, string> | undefined), ...headers },
});

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: { field: string; message: string }[];
}

/**
 * Asserts an RFC 9457 answer (ERR-1): the status, `application/problem+json`, and a body of
 * exactly `type`, `title`, `status`, `detail`, `code` (and `errors` for a 400 that names fields).
 */
export function expectProblem(reply: Reply, status: number, code: ProblemCode): Problem {
  expect({ status: reply.status, contentType: reply.headers.get('content-type') }).toEqual({ status, contentType: 'application/problem+json' });
  const body = reply.json<Problem>();
  expect(body).toEqual({
    type: `urn:casebender:problem:${code}`,
    title: PROBLEM_TITLES[status],
    status,
    detail: expect.stringMatching(/\S/),
    code,
    ...(body.errors !== undefined ? { errors: expect.any(Array) } : {}),
  });
  return body;
}

/** The X-RateLimit-* headers of an answer, as numbers (undefined when absent). */
export function rateLimitOf(reply: Reply): { limit?: number; remaining?: number; reset?: number } {
  const read = (name: string) => {
    const v = reply.headers.get(name);
    return v === null ? undefined : Number(v);
  };
  return { limit: read('x-ratelimit-limit'), remaining: read('x-ratelimit-remaining'), reset: read('x-ratelimit-reset') };
}
