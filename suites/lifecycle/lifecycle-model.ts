// Model-based key lifecycle (fast-check commands) against a target with the mock's control API and
// a virtual clock: create keys (some expiring), revoke, suspend, reinstate, move the clock, and
// send requests; each answer is compared with the core model (authenticate over the key's state).
// Run once per conformance run; KEY-2, KEY-3 and KEY-4 each judge the answers of their own kind.
import fc from 'fast-check';
import { authenticate, keyStatus, type KeyRecord, type KeyStatus } from '../../contract/index.js';
import type { CheckContext } from '../harness/check.js';
import type { Exchange } from '../harness/http-client.js';

interface ModelKey {
  id: string;
  key: string;
  expiresAt?: number;
  revoked: boolean;
  suspended: boolean;
  wasSuspended: boolean;
}

interface Model {
  now: number;
  keys: ModelKey[];
  history: string[];
}

export interface LifecycleMismatch {
  /** The requirement the answer bears on, by the key's state in the model. */
  readonly requirement: 'KEY-2' | 'KEY-3' | 'KEY-4';
  readonly summary: string;
  readonly exchange: Exchange;
}

export interface LifecycleRun {
  readonly requests: number;
  readonly byState: Readonly<Record<KeyStatus, number>>;
  readonly mismatches: readonly LifecycleMismatch[];
}

interface Real {
  ctx: CheckContext;
  tier: string;
  out: { requests: number; byState: Record<KeyStatus, number>; mismatches: LifecycleMismatch[] };
}

const asRecord = (k: ModelKey): KeyRecord => ({
  id: k.id,
  name: k.id,
  kind: 'modern',
  tier: 'x',
  scopes: [],
  tlpClearance: 4,
  papClearance: 4,
  ...(k.expiresAt !== undefined ? { expiresAt: k.expiresAt } : {}),
  ...(k.revoked ? { revokedAt: 0 } : {}),
  suspended: k.suspended,
  createdAt: 0,
  prefix: '',
  hash: new Uint8Array(),
});

class Create implements fc.AsyncCommand<Model, Real> {
  constructor(readonly expiresInMs: number | undefined) {}
  check = (m: Readonly<Model>) => m.keys.length < 6;
  async run(m: Model, r: Real) {
    const created = await r.ctx.control!.createKey({ tier: r.tier, scopes: ['alerts:read'], ...(this.expiresInMs !== undefined ? { expiresAt: m.now + this.expiresInMs } : {}) });
    m.keys.push({ id: created.id, key: created.key!, ...(this.expiresInMs !== undefined ? { expiresAt: m.now + this.expiresInMs } : {}), revoked: false, suspended: false, wasSuspended: false });
    m.history.push(this.toString());
  }
  toString = () => `create(${this.expiresInMs === undefined ? 'no expiry' : `expires in ${this.expiresInMs} ms`})`;
}

class Change implements fc.AsyncCommand<Model, Real> {
  constructor(readonly index: number, readonly action: 'revoke' | 'suspend' | 'reinstate') {}
  check = (m: Readonly<Model>) => m.keys.length > 0;
  async run(m: Model, r: Real) {
    const k = m.keys[this.index % m.keys.length]!;
    await r.ctx.control!.keyAction(k.id, this.action);
    if (this.action === 'revoke') k.revoked = true;
    else if (this.action === 'suspend') k.suspended = k.wasSuspended = true;
    else k.suspended = false;
    m.history.push(`${this.action}(key ${this.index % m.keys.length})`);
  }
  toString = () => `${this.action}(#${this.index})`;
}

class Advance implements fc.AsyncCommand<Model, Real> {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(m: Model, r: Real) {
    await r.ctx.control!.advance(this.ms);
    m.now += this.ms;
    m.history.push(this.toString());
  }
  toString = () => `advance(${this.ms} ms)`;
}

class Request implements fc.AsyncCommand<Model, Real> {
  constructor(readonly index: number) {}
  check = (m: Readonly<Model>) => m.keys.length > 0;
  async run(m: Model, r: Real) {
    const k = m.keys[this.index % m.keys.length]!;
    const exchange = await r.ctx.client.send({ method: 'GET', path: '/alerts?limit=1', headers: [['Authorization', `Bearer ${k.key}`]] });
    const record = asRecord(k);
    const state = keyStatus(record, m.now);
    const expected = authenticate({ kind: 'bearer', key: k.key }, record, m.now, '');
    const wantOk = expected.ok;
    const gotOk = exchange.status >= 200 && exchange.status < 300;
    r.out.requests++;
    r.out.byState[state]++;
    m.history.push(`request(key ${this.index % m.keys.length}) → ${exchange.status}`);
    if (wantOk === gotOk && (wantOk || exchange.status === 401)) return;
    const requirement = state === 'expired' || (state === 'active' && k.expiresAt !== undefined && !k.wasSuspended) ? 'KEY-2' : state === 'revoked' ? 'KEY-3' : 'KEY-4';
    r.out.mismatches.push({
      requirement,
      summary: `a key that is ${state} in the model got ${exchange.status} (expected ${wantOk ? '2xx' : '401'}), after: ${m.history.slice(-12).join(', ')}`,
      exchange,
    });
  }
  toString = () => `request(#${this.index})`;
}

const commands = [
  fc.oneof(fc.constant(undefined), fc.integer({ min: 1, max: 5_000 })).map((ms) => new Create(ms)),
  fc.tuple(fc.nat(), fc.constantFrom('revoke', 'suspend', 'reinstate') as fc.Arbitrary<'revoke' | 'suspend' | 'reinstate'>).map(([i, a]) => new Change(i, a)),
  fc.oneof(fc.integer({ min: 1, max: 2_000 }), fc.constantFrom(1, 999, 1_000)).map((ms) => new Advance(ms)),
  fc.nat().map((i) => new Request(i)),
  fc.nat().map((i) => new Request(i)),
  fc.nat().map((i) => new Request(i)),
];

const runs = new WeakMap<CheckContext, Promise<LifecycleRun>>();

/** The lifecycle model run of this conformance run, made once (the caller checks it can run). */
export function lifecycleModelRun(ctx: CheckContext): Promise<LifecycleRun> {
  let r = runs.get(ctx);
  if (r === undefined) {
    r = (async () => {
      const tier = Object.entries(ctx.model.tiers).find(([, t]) => t === null)?.[0] ?? Object.keys(ctx.model.tiers)[0]!;
      const out = { requests: 0, byState: { active: 0, expired: 0, revoked: 0, suspended: 0 }, mismatches: [] as LifecycleMismatch[] };
      await fc.assert(
        fc.asyncProperty(fc.commands(commands, { size: 'large', maxCommands: 60 }), async (cmds) => {
          // The clock only moves forward, across runs too.
          const model: Model = { now: (await ctx.control!.clock()).now, keys: [], history: [] };
          await fc.asyncModelRun(() => ({ model, real: { ctx, tier, out } }), cmds);
        }),
        { seed: ctx.fc.seed, numRuns: Math.min(ctx.fc.numRuns, 25), endOnFailure: true },
      );
      return out;
    })();
    runs.set(ctx, r);
  }
  return r;
}
