// TLP: TLP/PAP clearance (contract TLP-1..5). Requests that would change data use unknown ids or
// bodies that fail validation, so a deployment that keeps the contract is left untouched.
import { pass, skip, violation, type Check, type CheckContext, type Verdict } from '../harness/check.js';
import { allAnswer, probe } from '../harness/expect.js';
import { activeKeys, credentialHeaders } from '../harness/keyring.js';
import { listView } from '../harness/list-view.js';
import type { ResolvedKey } from '../harness/load-profile.js';
import { UNKNOWN_ID } from '../scopes/scope-matrix.js';

type Marking = 'tlp' | 'pap';
const clearanceOf = (ctx: CheckContext, key: ResolvedKey, m: Marking) =>
  m === 'tlp' ? (key.tlpClearance ?? ctx.model.policy.defaultTlpClearance) : (key.papClearance ?? ctx.model.policy.defaultPapClearance);
const MARKED = ['alerts', 'cases', 'observables'] as const;

/** A key restricted on `m`, and an entity above it on `m` but within its other clearance. */
function restrictedPairs(ctx: CheckContext, m: Marking) {
  const other: Marking = m === 'tlp' ? 'pap' : 'tlp';
  const pairs: { key: ResolvedKey; entity: NonNullable<typeof ctx.profile.entities>[number] }[] = [];
  for (const key of activeKeys(ctx.profile)) {
    if (clearanceOf(ctx, key, m) >= 4) continue;
    for (const entity of ctx.profile.entities ?? []) {
      if (!(MARKED as readonly string[]).includes(entity.type)) continue;
      if ((entity[m] ?? 0) > clearanceOf(ctx, key, m) && (entity[other] ?? 0) <= clearanceOf(ctx, key, other)) pairs.push({ key, entity });
    }
  }
  return pairs;
}

async function entityAccess(ctx: CheckContext, m: Marking): Promise<Verdict> {
  const pairs = restrictedPairs(ctx, m);
  const usable = [];
  for (const pair of pairs) {
    // Only keys whose scopes let them read the collection: otherwise a 403 proves nothing about clearance.
    const read = probe('GET', `/${pair.entity.type}?limit=1`, credentialHeaders(pair.key));
    if ((await ctx.oracle.expect(read)).status === 200) usable.push(pair);
    if (usable.length >= 6) break;
  }
  if (usable.length === 0) return skip(`the profile gives no active key with a ${m.toUpperCase()} clearance below an entity it lists, and the scope to read it`);
  const probes = usable.flatMap(({ key, entity }) => [
    probe('GET', `/${entity.type}/${encodeURIComponent(entity.id)}`, credentialHeaders(key)),
    probe('PATCH', `/${entity.type}/${encodeURIComponent(entity.id)}`, credentialHeaders(key), { fields: {} }),
  ]);
  const writable = [];
  for (const p of probes) if ((await ctx.oracle.expect(p)).status === 403) writable.push(p);
  return allAnswer(ctx, writable, 403, `${m === 'tlp' ? 'TLP-1' : 'TLP-2'}: an entity above the key's ${m.toUpperCase()} clearance is 403`);
}

/** The total a key of full clearance gets for a collection, if the profile has such a key that may list it. */
async function fullClearanceList(ctx: CheckContext, type: string): Promise<{ total: number } | undefined> {
  for (const key of activeKeys(ctx.profile)) {
    if (clearanceOf(ctx, key, 'tlp') < 4 || clearanceOf(ctx, key, 'pap') < 4) continue;
    const p = probe('GET', `/${type}?limit=1`, credentialHeaders(key));
    if ((await ctx.oracle.expect(p)).status !== 200) continue;
    const { total } = listView(await ctx.send(p), type);
    return total !== undefined ? { total } : undefined;
  }
  return undefined;
}

export const clearanceChecks: Check[] = [
  { requirement: 'TLP-1', title: 'reading or updating an entity above the TLP clearance gets 403', run: (ctx) => entityAccess(ctx, 'tlp') },
  { requirement: 'TLP-2', title: 'reading or updating an entity above the PAP clearance gets 403', run: (ctx) => entityAccess(ctx, 'pap') },
  {
    requirement: 'TLP-3',
    title: 'lists never contain entities above the clearance, nor count them',
    async run(ctx) {
      let checked = 0;
      const unreadable: string[] = [];
      for (const m of ['tlp', 'pap'] as const) {
        for (const key of activeKeys(ctx.profile)) {
          const clearance = clearanceOf(ctx, key, m);
          if (clearance >= 4) continue;
          for (const type of MARKED) {
            const listProbe = probe('GET', `/${type}?limit=100`, credentialHeaders(key));
            if ((await ctx.oracle.expect(listProbe)).status !== 200) continue;
            const exchange = await ctx.send(listProbe);
            if (exchange.status !== 200) continue; // judged elsewhere (SCOPE, SCHEMA)
            // Any list shape: a top-level array (as CaseBender documents GET /alerts), data, items, ...
            const { items, itemsAt, total, totalAt } = listView(exchange, type);
            if (items === undefined) {
              unreadable.push(type);
              continue;
            }
            checked++;
            const leaked = items.find((e) => typeof e[m] === 'number' && (e[m] as number) > clearance);
            if (leaked !== undefined) {
              return violation({ summary: `key "${key.name}" (${m.toUpperCase()} clearance ${clearance}) lists ${type.slice(0, -1)} ${String(leaked['id'])} at ${m} ${String(leaked[m])} (in ${itemsAt})`, exchange, expected: `no entity with ${m} > ${clearance}`, why: 'TLP-3: lists are filtered at query level' });
            }
            // Totals: the restricted key's total must leave out every listed entity it may not see,
            // compared with a key of full clearance that may list the same collection.
            const hidden = (ctx.profile.entities ?? []).filter((e) => e.type === type && (e[m] ?? 0) > clearance).length;
            const full = total === undefined || hidden === 0 ? undefined : await fullClearanceList(ctx, type);
            if (total !== undefined && full !== undefined && total > full.total - hidden) {
              return violation({ summary: `key "${key.name}" (${m} clearance ${clearance}): ${type} ${totalAt} ${total}, but a key of full clearance counts ${full.total} of which ${hidden} are above ${clearance}`, exchange, expected: `total ≤ ${full.total - hidden}`, why: 'TLP-3: totals must not reveal hidden entities' });
            }
          }
        }
      }
      if (checked > 0) return pass(`${checked} lists${unreadable.length > 0 ? `; no items found in the answers of ${[...new Set(unreadable)].join(', ')}` : ''}`);
      if (unreadable.length > 0) return skip(`no list answer held items where the suite looks (a top-level array, data, items, results or the collection's name): ${[...new Set(unreadable)].join(', ')}`);
      return skip('the profile gives no active key with a clearance below 4 and the scope to list');
    },
  },
  {
    requirement: 'TLP-4',
    title: 'creating or updating to a TLP/PAP above the clearance gets 403',
    async run(ctx) {
      const probes = [];
      for (const key of activeKeys(ctx.profile)) {
        for (const m of ['tlp', 'pap'] as const) {
          const clearance = clearanceOf(ctx, key, m);
          if (clearance >= 4) continue;
          const patch = probe('PATCH', `/alerts/${UNKNOWN_ID}`, credentialHeaders(key), { fields: { [m]: clearance + 1 } });
          if ((await ctx.oracle.expect(patch)).status === 403) probes.push(patch);
          // A documented AlertInput (title, statusValue, severity) marked one step above the clearance.
          const create = probe('POST', '/alerts', credentialHeaders(key), { title: 'casebender-conformance TLP-4 probe', statusValue: 'new', severity: 1, source: 'casebender-conformance', sourceRef: `tlp4-${Date.now()}`, [m]: clearance + 1 });
          if ((await ctx.oracle.expect(create)).status === 403) probes.push(create);
        }
      }
      if (probes.length === 0) return skip('the profile gives no active key with a clearance below 4 and the scope to write alerts');
      return allAnswer(ctx, probes, 403, 'TLP-4: a key may not mark above its own clearance');
    },
  },
  {
    requirement: 'TLP-5',
    title: 'TLP/PAP outside 0..4 gets 400',
    async run(ctx) {
      const writer = [];
      for (const key of activeKeys(ctx.profile)) {
        const p = probe('PATCH', `/alerts/${UNKNOWN_ID}`, credentialHeaders(key), { fields: { tlp: 5 } });
        if ((await ctx.oracle.expect(p)).status === 400) writer.push(key);
        if (writer.length > 0) break;
      }
      const key = writer[0];
      if (key === undefined) return skip('the profile gives no active key with the scope to write alerts');
      const bodies = [{ tlp: 5 }, { tlp: -1 }, { pap: 7 }, { tlp: 2.5 }];
      return allAnswer(ctx, bodies.map((fields) => probe('PATCH', `/alerts/${UNKNOWN_ID}`, credentialHeaders(key), { fields })), 400, 'TLP-5: the scale is 0..4');
    },
  },
];
