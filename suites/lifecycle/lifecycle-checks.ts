// KEY: key lifecycle (contract KEY-1..5): the profile's declared keys, and keys created, revoked,
// suspended and reinstated during the run — through the mock's control API, or a deployment's own
// key administration declared in its profile (keyAdmin) — so that a revocation is seen taking
// effect, and how late when it is late.
import { pass, skip, violation, type Check, type CheckContext, type Verdict } from '../harness/check.js';
import { acceptedRead, allAnswer, codeOf, probe } from '../harness/expect.js';
import type { Exchange } from '../harness/http-client.js';
import { KeyAdminError, keyAdminOf, type KeyAdmin, type MadeKey } from '../harness/key-admin.js';
import { credentialHeaders, stateOf, unknownModernKey, type Header } from '../harness/keyring.js';
import type { ResolvedKey } from '../harness/load-profile.js';
import { virtualClock } from '../harness/virtual-clock.js';
import { lifecycleModelRun } from './lifecycle-model.js';

const declared = (ctx: CheckContext, state: 'expired' | 'revoked' | 'suspended') => ctx.profile.keys.filter((k) => stateOf(k) === state);

/** A key the control API creates with every read scope, and the read to try with it. */
async function createdKey(ctx: CheckContext, extra: { expiresAt?: number } = {}) {
  const created = await ctx.control!.createKey({ tier: unlimitedTier(ctx), scopes: ['alerts:read'], name: `suite-${Date.now()}`, ...extra });
  return { id: created.id, headers: [['Authorization', `Bearer ${created.key!}`]] as Header[], path: '/alerts?limit=1' };
}

const unlimitedTier = (ctx: CheckContext) => Object.entries(ctx.model.tiers).find(([, t]) => t === null)?.[0] ?? Object.keys(ctx.model.tiers)[0]!;

async function refusesDeclared(ctx: CheckContext, keys: readonly ResolvedKey[], why: string): Promise<Verdict | undefined> {
  for (const key of keys) {
    const verdict = await allAnswer(ctx, ['/alerts?limit=1', '/users/me'].map((p) => probe('GET', p, credentialHeaders(key))), 401, why);
    if (verdict.outcome !== 'pass') return verdict;
  }
  return undefined;
}

/** How long the suites keep asking, after a revocation or suspension that did not take effect at once, to say how late it was. */
const LATE_BOUND_MS = 10_000;
const LATE_POLL_MS = 100;
/** How long a key just created may take to work (a deployment's key cache filling). */
const READY_BOUND_MS = 5_000;

const READ_PATH = '/alerts?limit=1';
const runName = (what: string) => `casebender-conformance-${what}-${Date.now()}`;
const isOk = (status: number) => status >= 200 && status < 300;

/** Asks with the key until `done` holds for an answer, or the bound passes: when, and how many asks. */
async function until(ctx: CheckContext, key: MadeKey, done: (status: number) => boolean, boundMs: number): Promise<{ ms: number | undefined; requests: number; last: Exchange }> {
  const started = performance.now();
  let requests = 0;
  for (;;) {
    const last = await ctx.send(probe('GET', READ_PATH, key.headers));
    requests++;
    const ms = performance.now() - started;
    if (done(last.status)) return { ms, requests, last };
    if (ms >= boundMs) return { ms: undefined, requests, last };
    await new Promise((r) => setTimeout(r, LATE_POLL_MS));
  }
}

/** A key made for the check that works: a precondition, waited for up to READY_BOUND_MS. */
async function workingKey(ctx: CheckContext, admin: KeyAdmin, what: string): Promise<{ key: MadeKey } | { verdict: Verdict }> {
  const key = await admin.create(runName(what));
  const ready = await until(ctx, key, isOk, READY_BOUND_MS);
  if (ready.ms === undefined) return { verdict: violation({ summary: `a key just created through ${admin.via} got ${ready.last.status} for ${READY_BOUND_MS / 1000} s`, exchange: ready.last, expected: '2xx', why: `${what === 'key3' ? 'KEY-3' : 'KEY-4'}: precondition, a new key works before it is revoked or suspended` }) };
  return { key };
}

/**
 * After `action` on a working key, the very next request must be refused (401); when it is not,
 * how long the key went on working is measured (up to LATE_BOUND_MS) and shown.
 */
async function refusedAtOnce(ctx: CheckContext, admin: KeyAdmin, key: MadeKey, action: 'revoke' | 'suspend', why: string): Promise<Verdict> {
  const actedAt = performance.now();
  await admin.act(key.id, action);
  const next = await ctx.send(probe('GET', READ_PATH, key.headers));
  if (next.status === 401) return pass(`${action === 'revoke' ? 'revoked' : 'suspended'} through ${admin.via}: the very next request got 401`);
  const polled = performance.now();
  const late = await until(ctx, key, (s) => s === 401, LATE_BOUND_MS);
  // From the moment the action was asked for to the first 401.
  const since = late.ms === undefined ? undefined : Math.round(polled - actedAt + late.ms);
  const delay = since === undefined ? `and still ${late.last.status} ${LATE_BOUND_MS / 1000} s later (${late.requests} more requests)` : `and went on working for about ${since} ms after the ${action} (${late.requests} more requests until a 401)`;
  return violation({ summary: `a key ${action === 'revoke' ? 'revoked' : 'suspended'} through ${admin.via} got ${next.status} on the next request, ${delay}`, exchange: next, expected: '401', why });
}

/** A declared key administration that fails (a wrong path, a command that exits 1) is the profile's fault: skipped, saying why. */
async function administered(run: () => Promise<Verdict>): Promise<Verdict> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof KeyAdminError) return skip(`the profile's key administration failed: ${error.message}`);
    throw error;
  }
}

/** One of KEY-2/3/4 judged over the lifecycle model run (virtual clock only). */
function modelCheck(requirement: 'KEY-2' | 'KEY-3' | 'KEY-4', what: string): Check {
  return {
    requirement,
    title: `model-based (virtual clock): ${what} as the core model says, over random create, revoke, suspend, reinstate, clock and request sequences`,
    async run(ctx) {
      if (!(await virtualClock(ctx))) return skip('needs a target whose clock the suite moves (the mock with --clock virtual)');
      const run = await lifecycleModelRun(ctx);
      const wrong = run.mismatches.find((m) => m.requirement === requirement);
      if (wrong !== undefined) return violation({ summary: wrong.summary, exchange: wrong.exchange, why: `${requirement}: the key lifecycle` });
      return pass(`${run.requests} requests (${Object.entries(run.byState).map(([s, n]) => `${n} ${s}`).join(', ')}), seed ${ctx.fc.seed}`);
    },
  };
}

/** KEY-2 on a real clock: a key made to expire this much real time from now (one request fits before it)… */
const EXPIRY_LEAD_REAL_MS = 1_500;
/** …is tried again this much real time after its expiry (timers and the target's clock granularity). */
const EXPIRY_MARGIN_REAL_MS = 200;

export const lifecycleChecks: Check[] = [
  {
    requirement: 'KEY-1',
    title: 'an unknown key gets 401',
    async run(ctx) {
      const probes = ['/alerts', '/users/me'].flatMap((p) => [probe('GET', p, [['Authorization', `Bearer ${unknownModernKey()}`]]), probe('GET', p, [['X-Api-Key', unknownModernKey()]])]);
      probes.push(probe('GET', '/alerts', [['x-api-key', 'cbak_unknownAccessKey00'], ['x-api-secret', 'unknownSecret0000000000000000000000']]));
      return allAnswer(ctx, probes, 401, 'KEY-1: an unknown key is refused');
    },
  },
  {
    requirement: 'KEY-2',
    title: 'an expired key gets 401 from the moment of expiry',
    async run(ctx) {
      const keys = declared(ctx, 'expired');
      const v = await refusesDeclared(ctx, keys, 'KEY-2: an expired key is refused');
      if (v !== undefined) return v;
      if (ctx.control === undefined) return keys.length > 0 ? pass(`${keys.length} declared expired key(s)`) : skip('the profile declares no expired key, and the target has no control API');
      const clock = await ctx.control.clock();
      if (clock.mode === 'virtual') {
        const k = await createdKey(ctx, { expiresAt: clock.now + 1000 });
        await ctx.control.advance(999);
        const before = await ctx.send(probe('GET', k.path, k.headers));
        if (before.status !== 200) return violation({ summary: `a key 1 ms before its expiry got ${before.status}`, exchange: before, expected: '200', why: 'KEY-2: the key works until its expiry' });
        await ctx.control.advance(1);
        return allAnswer(ctx, [probe('GET', k.path, k.headers)], 401, 'KEY-2: refused from the very moment of expiry');
      }
      // A real clock: expire a key a moment from now and wait that out. The moment is real time
      // (one request must fit before it, at any time scale), stated in the target's time.
      const lead = ctx.time.targetMs(EXPIRY_LEAD_REAL_MS);
      const k = await createdKey(ctx, { expiresAt: clock.now + lead });
      const before = await ctx.send(probe('GET', k.path, k.headers));
      if (before.status !== 200) return violation({ summary: `a key before its expiry got ${before.status}`, exchange: before, expected: '200', why: 'KEY-2: the key works until its expiry' });
      await ctx.time.sleep(lead + ctx.time.targetMs(EXPIRY_MARGIN_REAL_MS));
      return allAnswer(ctx, [probe('GET', k.path, k.headers)], 401, 'KEY-2: refused from the moment of expiry');
    },
  },
  {
    requirement: 'KEY-3',
    title: 'a revoked key gets 401 on the very next request',
    async run(ctx) {
      const keys = declared(ctx, 'revoked');
      const v = await refusesDeclared(ctx, keys, 'KEY-3: a revoked key is refused');
      if (v !== undefined) return v;
      const admin = keyAdminOf(ctx);
      if (admin === undefined || !admin.can('revoke')) {
        const how = 'declare keyAdmin (create, revoke) in the profile to see a revocation take effect';
        return keys.length > 0 ? pass(`${keys.length} declared revoked key(s); a revocation during the run not tried: ${how}`) : skip(`the profile declares no revoked key, and the target has no control API: ${how}`);
      }
      return administered(async () => {
        const made = await workingKey(ctx, admin, 'key3');
        if ('verdict' in made) return made.verdict;
        return refusedAtOnce(ctx, admin, made.key, 'revoke', 'KEY-3: refused on the very next request after revocation');
      });
    },
  },
  {
    requirement: 'KEY-4',
    title: 'a suspended key gets 401; a reinstated key works again',
    async run(ctx) {
      const keys = declared(ctx, 'suspended');
      const v = await refusesDeclared(ctx, keys, 'KEY-4: a suspended key is refused');
      if (v !== undefined) return v;
      const admin = keyAdminOf(ctx);
      if (admin === undefined || !admin.can('suspend') || !admin.can('reinstate')) {
        const how = 'declare keyAdmin (create, suspend, reinstate) in the profile to try suspension and reinstatement';
        return keys.length > 0 ? pass(`${keys.length} declared suspended key(s); ${how}`) : skip(`the profile declares no suspended key, and the target has no control API: ${how}`);
      }
      return administered(async () => {
        const made = await workingKey(ctx, admin, 'key4');
        if ('verdict' in made) return made.verdict;
        try {
          const suspended = await refusedAtOnce(ctx, admin, made.key, 'suspend', 'KEY-4: a suspended key is refused');
          if (suspended.outcome !== 'pass') return suspended;
          await admin.act(made.key.id, 'reinstate');
          const next = await ctx.send(probe('GET', READ_PATH, made.key.headers));
          if (isOk(next.status)) return pass(`suspended and reinstated through ${admin.via}: 401 at once, then 2xx at once`);
          const late = await until(ctx, made.key, isOk, LATE_BOUND_MS);
          return violation({
            summary: `a key reinstated through ${admin.via} got ${next.status} on the next request${late.ms === undefined ? `, and still ${late.last.status} ${LATE_BOUND_MS / 1000} s later` : `, and worked again about ${Math.round(late.ms)} ms later`}`,
            exchange: next,
            expected: '2xx',
            why: 'KEY-4: a reinstated key works again',
          });
        } finally {
          // The key was made for this check: it does not outlive the run where it can be revoked.
          if (admin.can('revoke')) await admin.act(made.key.id, 'revoke').catch(() => undefined);
        }
      });
    },
  },
  {
    requirement: 'KEY-5',
    title: 'the 401 body names the reason with a stable code',
    async run(ctx) {
      const read = await acceptedRead(ctx, 'modern');
      const cases: { headers: Header[]; code: string }[] = [
        { headers: [], code: 'missing_credentials' },
        { headers: [['Authorization', `Bearer ${unknownModernKey()}`]], code: 'invalid_key' },
        { headers: [['Authorization', 'Basic dXNlcjpwYXNz']], code: 'malformed_credentials' },
      ];
      if (read !== undefined) cases.push({ headers: [...credentialHeaders(read.key), ...credentialHeaders(read.key)], code: 'ambiguous_credentials' });
      for (const state of ['expired', 'revoked', 'suspended'] as const) {
        const key = declared(ctx, state)[0];
        if (key !== undefined) cases.push({ headers: credentialHeaders(key), code: `${state}_key` });
      }
      let judged = 0;
      for (const c of cases) {
        const exchange = await ctx.send(probe('GET', '/alerts?limit=1', c.headers));
        if (exchange.status !== 401) continue; // the status itself is judged by CRED, KEY and PREC
        judged++;
        if (codeOf(exchange) !== c.code) return violation({ summary: `a 401 for ${c.code.replace('_', ' ')} has code ${JSON.stringify(codeOf(exchange))}`, exchange, expected: `code "${c.code}"`, why: 'KEY-5: a stable code tells clients why' });
      }
      if (judged === 0) return skip(`none of the ${cases.length} refusals was answered 401, so no code to inspect (see CRED-3, KEY-1)`);
      return pass(`${judged} of ${cases.length} reasons answered 401 with their code`);
    },
  },
  modelCheck('KEY-2', 'expired keys are refused from the instant of expiry'),
  modelCheck('KEY-3', 'revoked keys are refused from the next request'),
  modelCheck('KEY-4', 'suspended keys are refused and reinstated ones accepted'),
];
