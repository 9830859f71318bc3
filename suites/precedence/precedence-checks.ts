// PREC: several credentials in one request (contract PREC-1..4).
import { pass, skip, violation, type Check, type CheckContext } from '../harness/check.js';
import type { Probe } from '../harness/http-client.js';
import { accepted, acceptedRead, allAnswer, probe, READ_PATHS } from '../harness/expect.js';
import { activeKeys, credentialHeaders, mangle, type Header, type ModernKey } from '../harness/keyring.js';
import type { ResolvedKey } from '../harness/load-profile.js';

/**
 * Two active keys and a read that one may make and the other may not, by the oracle and by the
 * target itself, each key alone: what a key may do is SCOPE's to judge, which key decides is PREC's.
 */
async function discerningPair(ctx: CheckContext, kinds: ['modern' | 'legacy', 'modern' | 'legacy']) {
  const target = new Map<string, number>();
  const alone = async (key: ResolvedKey, path: string) => {
    const id = `${key.name} ${path}`;
    if (!target.has(id)) target.set(id, (await ctx.send(probe('GET', path, credentialHeaders(key)))).status);
    return target.get(id)!;
  };
  for (const path of READ_PATHS) {
    for (const a of activeKeys(ctx.profile, kinds[0])) {
      if ((await ctx.oracle.expect(probe('GET', path, credentialHeaders(a)))).status !== 200) continue;
      for (const b of activeKeys(ctx.profile, kinds[1])) {
        if (b === a || (await ctx.oracle.expect(probe('GET', path, credentialHeaders(b)))).status !== 403) continue;
        if ((await alone(a, path)) === 200 && (await alone(b, path)) === 403) return { allowed: a, refused: b, path };
      }
    }
  }
  return undefined;
}

const winnerDecides = async (ctx: CheckContext, cases: { headers: Header[]; winner: ResolvedKey; expected: number; path: string }[]) => {
  for (const c of cases) {
    const { path } = c;
    const exchange = await ctx.send(probe('GET', path, c.headers));
    const ok = c.expected === 200 ? exchange.status >= 200 && exchange.status < 300 : exchange.status === c.expected;
    if (!ok) {
      return violation({
        summary: `GET ${path} with several credentials: expected ${c.expected} (the identity of "${c.winner.name}", which has precedence), got ${exchange.status}`,
        exchange,
        expected: String(c.expected),
        why: 'PREC-1: Bearer over X-Api-Key over the legacy pair; the winner’s scopes apply',
      });
    }
  }
  return pass(`${cases.length} combinations`);
};

export const precedenceChecks: Check[] = [
  {
    requirement: 'PREC-1',
    title: 'Bearer wins over X-Api-Key, which wins over the legacy pair',
    async run(ctx) {
      const modern = await discerningPair(ctx, ['modern', 'modern']);
      if (modern === undefined) return skip('the profile gives no two active modern keys that differ in what they may read');
      const { allowed: a, refused: r, path } = modern;
      const ak = (a as ModernKey).key;
      const rk = (r as ModernKey).key;
      const cases = [
        { headers: [['Authorization', `Bearer ${ak}`], ['X-Api-Key', rk]] as Header[], winner: a, expected: 200, path },
        { headers: [['X-Api-Key', ak], ['Authorization', `Bearer ${rk}`]] as Header[], winner: r, expected: 403, path },
      ];
      const mixed = await discerningPair(ctx, ['modern', 'legacy']);
      if (mixed !== undefined) cases.push({ headers: [['X-Api-Key', (mixed.allowed as ModernKey).key], ...credentialHeaders(mixed.refused).slice(1)] as Header[], winner: mixed.allowed, expected: 200, path: mixed.path });
      const verdict = await winnerDecides(ctx, cases);
      return verdict.outcome === 'pass' && mixed === undefined ? pass('Bearer over X-Api-Key only: the profile gives no legacy pair that reads less than a modern key') : verdict;
    },
  },
  {
    requirement: 'PREC-2',
    title: 'an invalid higher-precedence credential gives 401 even beside a valid lower one',
    async run(ctx) {
      const read = await acceptedRead(ctx, 'modern');
      if (read === undefined) return skip('the profile gives no active modern key with a read it may make');
      const key = (read.key as ModernKey).key;
      // Each case: the invalid credential alone, then with a valid one of lower precedence beside it.
      const cases: { alone: Header[]; lower: Header[]; path: string }[] = [
        { alone: [['Authorization', `Bearer ${mangle(key, 'flip-middle')}`]], lower: [['X-Api-Key', key]], path: read.path },
        { alone: [['Authorization', 'Basic dXNlcjpwYXNz']], lower: [['X-Api-Key', key]], path: read.path },
      ];
      const legacy = await acceptedRead(ctx, 'legacy');
      if (legacy !== undefined && legacy.key.kind === 'legacy') {
        cases.push({ alone: [['X-Api-Key', mangle(key, 'flip-middle')]], lower: [['x-api-secret', legacy.key.secret]], path: legacy.path });
        cases.push({ alone: [['Authorization', `Bearer ${mangle(key, 'flip-last')}`]], lower: credentialHeaders(legacy.key), path: legacy.path });
      }
      // PREC-2 is about fallback: it judges only credentials the target itself refuses alone.
      const probes: Probe[] = [];
      for (const c of cases) {
        if ((await ctx.send(probe('GET', c.path, c.alone))).status === 401) probes.push(probe('GET', c.path, [...c.alone, ...c.lower]));
      }
      if (probes.length === 0) return skip('the target refused none of the invalid credentials alone (see CRED-6, CRED-7)');
      return allAnswer(ctx, probes, 401, 'PREC-2: no fallback past a present but invalid credential');
    },
  },
  {
    requirement: 'PREC-3',
    title: 'x-api-key holding a cbr_live_ key is a modern key; a secret beside it is ignored',
    async run(ctx) {
      const read = await acceptedRead(ctx, 'modern', 'x-api-key');
      if (read === undefined) return skip('the profile gives no active modern key with a read it may make');
      const key = (read.key as ModernKey).key;
      if (!key.startsWith('cbr_live_')) return skip('the profile’s modern keys do not start with cbr_live_');
      return allAnswer(ctx, [probe('GET', read.path, [['x-api-key', key], ['x-api-secret', 'not-a-secret-0000']])], accepted, 'PREC-3: a cbr_live_ key in x-api-key is modern; the secret is ignored');
    },
  },
  {
    requirement: 'PREC-4',
    title: 'the same credential header twice gets 401',
    async run(ctx) {
      const read = await acceptedRead(ctx, 'modern');
      if (read === undefined) return skip('the profile gives no active modern key with a read it may make');
      const key = (read.key as ModernKey).key;
      const probes = [
        probe('GET', read.path, [['Authorization', `Bearer ${key}`], ['Authorization', `Bearer ${key}`]]),
        probe('GET', read.path, [['X-Api-Key', key], ['X-Api-Key', key]]),
      ];
      // The same field in two spellings is a duplicate only to a target that reads both (CRED-4's business).
      const lower = await ctx.send(probe('GET', read.path, [['authorization', `Bearer ${key}`]]));
      if (lower.status >= 200 && lower.status < 300) probes.push(probe('GET', read.path, [['Authorization', `Bearer ${key}`], ['authorization', `Bearer ${mangle(key, 'flip-last')}`]]));
      return allAnswer(ctx, probes, 401, 'PREC-4: a duplicated credential header is ambiguous');
    },
  },
];
