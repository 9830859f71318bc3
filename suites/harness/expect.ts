// Small judges shared by the checks: literal expectations from the contract's text, and
// comparisons with the oracle (the core model given the profile).
import type { Exchange, Probe } from './http-client.js';
import { header, jsonBody } from './http-client.js';
import { pass, violation, type CheckContext, type Verdict } from './check.js';
import { activeKeys, credentialHeaders, type Header } from './keyring.js';
import type { ResolvedKey } from './load-profile.js';
import type { CredentialMethod } from '../../contract/index.js';

export const READ_PATHS = ['/alerts?limit=1', '/cases?limit=1', '/observables?limit=1', '/users?limit=1', '/users/me', '/api-keys?limit=1'];

/** A probe with these headers (and a JSON body when given). */
export function probe(method: string, path: string, headers: readonly Header[], body?: unknown): Probe {
  if (body === undefined) return { method, path, headers };
  return { method, path, headers: [...headers, ['Content-Type', 'application/json']], body: typeof body === 'string' ? body : JSON.stringify(body) };
}

/** An active key of the kind and a read it may make (the oracle says 200), or undefined. */
export async function acceptedRead(ctx: CheckContext, kind: 'modern' | 'legacy' = 'modern', method?: CredentialMethod): Promise<{ key: ResolvedKey; path: string } | undefined> {
  for (const key of activeKeys(ctx.profile, kind)) {
    for (const path of READ_PATHS) {
      if ((await ctx.oracle.expect(probe('GET', path, credentialHeaders(key, method)))).status === 200) return { key, path };
    }
  }
  return undefined;
}

/** A violation unless the answer's status is `expected` (a number, or a test with its wording). */
export function expectStatus(exchange: Exchange, expected: number | { test: (s: number) => boolean; text: string }, why: string): Verdict | undefined {
  const ok = typeof expected === 'number' ? exchange.status === expected : expected.test(exchange.status);
  if (ok) return undefined;
  const text = typeof expected === 'number' ? String(expected) : expected.text;
  return violation({ summary: `${exchange.probe.method} ${exchange.probe.path}: expected ${text}, got ${exchange.status}`, exchange, expected: text, why });
}

export const accepted = { test: (s: number) => s >= 200 && s < 300, text: '2xx' };
export const notServerError = { test: (s: number) => s < 500, text: 'no 5xx' };

/** Sends each probe and returns the first violation of `expected`, or a pass. */
export async function allAnswer(ctx: CheckContext, probes: readonly Probe[], expected: Parameters<typeof expectStatus>[1], why: string): Promise<Verdict> {
  for (const p of probes) {
    const v = expectStatus(await ctx.send(p), expected, why);
    if (v !== undefined) return v;
  }
  return pass(`${probes.length} request${probes.length === 1 ? '' : 's'}`);
}

/** The problem+json `code` of an answer, if any. */
export const codeOf = (exchange: Exchange): unknown => jsonBody(exchange)?.['code'];
export { header };
