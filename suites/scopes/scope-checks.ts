// SCOPE: what a key may do (contract SCOPE-1..6), judged over the scope matrix.
import { ADMIN_SCOPE } from '../../contract/index.js';
import { pass, skip, violation, type Check, type CheckContext, type Verdict } from '../harness/check.js';
import { header, probe } from '../harness/expect.js';
import { activeKeys, credentialHeaders } from '../harness/keyring.js';
import { cellKind, keepsScope, scopeMatrix, UNKNOWN_ID, type Cell, type CellKind } from './scope-matrix.js';

/**
 * A refused cell answered 404 or 400 instead of 403: the probes use unknown ids and invalid bodies,
 * so that is the order of the checks (SCOPE-5), not what the key may do.
 */
const answeredOutOfOrder = (c: Cell) => c.expected === 403 && (c.exchange.status === 404 || c.exchange.status === 400);

/** Whether the target itself lets this key call some operation of the same scopes (a 2xx in the matrix). */
const grantedByTarget = (cells: readonly Cell[], cell: Cell) =>
  cells.some((c) => c.key === cell.key && c.operation.scopes.length === cell.operation.scopes.length && c.operation.scopes.every((s) => cell.operation.scopes.includes(s)) && c.exchange.status >= 200 && c.exchange.status < 300);

async function judgeCells(ctx: CheckContext, kinds: readonly CellKind[], why: string, filter: (c: Cell) => boolean = () => true): Promise<Verdict> {
  const cells = (await scopeMatrix(ctx)).filter((c) => kinds.includes(cellKind(c, ctx.model.scopes)) && filter(c) && !answeredOutOfOrder(c));
  if (cells.length === 0) return skip(`the profile gives no active key that bears on this (${kinds.join(', ')})`);
  const wrong = cells.find((c) => !keepsScope(c));
  if (wrong === undefined) return pass(`${cells.length} operation × key cells`);
  const want = wrong.expected === 403 ? '403' : 'not 403 (the key may call it)';
  return violation({
    summary: `key "${wrong.key.name}" (scopes: ${wrong.key.scopes.join(' ') || 'none'}) on ${wrong.operation.id} (needs ${wrong.operation.scopes.join(' + ')}): expected ${want}, got ${wrong.exchange.status}`,
    exchange: wrong.exchange,
    expected: want,
    why,
  });
}

export const scopeChecks: Check[] = [
  {
    requirement: 'SCOPE-1',
    title: 'an operation whose scope the key lacks gets 403 (scope matrix)',
    run: (ctx) => judgeCells(ctx, ['plain'], 'SCOPE-1: a missing scope is 403, a granted one is not'),
  },
  {
    requirement: 'SCOPE-2',
    title: 'admin:* grants the administrative operations',
    run: (ctx) => judgeCells(ctx, ['admin-operation'], 'SCOPE-2: admin:* grants the administrative operations'),
  },
  {
    requirement: 'SCOPE-2',
    title: 'admin:* grants every operation (reference policy adminImpliesAll)',
    level: 'REF',
    policy: 'adminImpliesAll',
    run: (ctx) => judgeCells(ctx, ['admin-implied'], ctx.model.policy.adminImpliesAll ? 'SCOPE-2 (REF): admin:* grants every operation' : 'SCOPE-2: the profile declares that admin:* grants only administrative operations'),
  },
  {
    requirement: 'SCOPE-3',
    title: 'write does not imply read (reference policy writeImpliesRead: false)',
    policy: 'writeImpliesRead',
    run: (ctx) => judgeCells(ctx, ['write-for-read'], ctx.model.policy.writeImpliesRead ? 'SCOPE-3: the profile declares that write implies read' : 'SCOPE-3: write does not imply read'),
  },
  {
    requirement: 'SCOPE-4',
    title: 'scopes match exactly; unknown scopes and no scopes grant nothing',
    run: (ctx) => judgeCells(ctx, ['unknown-scope'], 'SCOPE-4: scope strings match exactly'),
  },
  {
    requirement: 'SCOPE-5',
    title: 'the scope check comes before existence and body validation',
    async run(ctx) {
      const matrix = await scopeMatrix(ctx);
      // Only keys the target itself refuses the scope: a key it grants the scope (SCOPE-1..4's
      // business) rightly gets 404 for an unknown id.
      const cells = matrix.filter((c) => c.expected === 403 && (c.operation.path.includes('{') || c.operation.method === 'POST' || c.operation.method === 'PATCH') && !grantedByTarget(matrix, c));
      if (cells.length === 0) return skip('the profile gives no active key lacking a scope');
      // Only a 403, 404 or 400 tells which check came first; any other status is SCOPE-1's to judge.
      const judged = cells.filter((c) => [403, 404, 400].includes(c.exchange.status));
      if (judged.length === 0) return skip(`none of the ${cells.length} requests without the scope was answered 403, 404 or 400 (see SCOPE-1)`);
      const wrong = judged.find((c) => c.exchange.status === 404 || c.exchange.status === 400);
      if (wrong === undefined) return pass(`${judged.length} requests for unknown ids or with invalid bodies got 403`);
      return violation({
        summary: `key "${wrong.key.name}" without ${wrong.operation.scopes.join(' + ')}: ${wrong.probe.method} ${wrong.probe.path} got ${wrong.exchange.status}, not 403`,
        exchange: wrong.exchange,
        expected: '403',
        why: 'SCOPE-5: a key without the scope learns nothing about existence or validity',
      });
    },
  },
  {
    requirement: 'SCOPE-6',
    title: 'a 403 to a Bearer request carries WWW-Authenticate: Bearer error="insufficient_scope"',
    async run(ctx) {
      for (const key of activeKeys(ctx.profile, 'modern')) {
        if (key.scopes.includes(ADMIN_SCOPE) && ctx.model.policy.adminImpliesAll) continue;
        const operation = ctx.model.operations.find((o) => o.method === 'GET' && o.scopes.some((s) => !key.scopes.includes(s)));
        if (operation === undefined) continue;
        const p = probe('GET', operation.path.replace(/\{\w+\}/g, UNKNOWN_ID), credentialHeaders(key, 'bearer'));
        if ((await ctx.oracle.expect(p)).status !== 403) continue;
        const exchange = await ctx.send(p);
        if (exchange.status !== 403) continue; // judged by SCOPE-1
        const challenge = header(exchange, 'www-authenticate') ?? '';
        if (!/^bearer\b/i.test(challenge) || !/error="insufficient_scope"/.test(challenge) || !/scope="[^"]+"/.test(challenge)) {
          return violation({ summary: `a 403 to a Bearer request has WWW-Authenticate ${JSON.stringify(challenge || null)}`, exchange, expected: 'Bearer error="insufficient_scope", scope="<needed>"', why: 'SCOPE-6: RFC 6750 §3.1' });
        }
        return pass();
      }
      return skip('the profile gives no active modern key lacking a read scope');
    },
  },
];
