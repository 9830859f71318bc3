// The scope matrix: every operation x every active key of the profile, each by a request that
// changes nothing (unknown ids, bodies that fail validation), answered once and shared by the
// SCOPE checks. What the contract expects of each cell comes from the core model.
import { type Operation, ADMIN_SCOPE } from '../../contract/index.js';
import type { CheckContext } from '../harness/check.js';
import type { Exchange, Probe } from '../harness/http-client.js';
import { probe } from '../harness/expect.js';
import { activeKeys, credentialHeaders } from '../harness/keyring.js';
import type { ResolvedKey } from '../harness/load-profile.js';

export const UNKNOWN_ID = 'zz-conformance-unknown-0000';

export interface Cell {
  readonly key: ResolvedKey;
  readonly operation: Operation;
  readonly probe: Probe;
  readonly expected: number;
  readonly exchange: Exchange;
}

/** A request for an operation that, once past the scope check, fails validation or existence. */
export function harmlessProbe(operation: Operation, key: ResolvedKey): Probe {
  const path = operation.path.replace(/\{\w+\}/g, UNKNOWN_ID) + (operation.method === 'GET' && !operation.path.includes('{') && !operation.path.endsWith('/me') ? '?limit=1' : '');
  const headers = credentialHeaders(key);
  switch (operation.method) {
    case 'POST':
      return path.endsWith('/suspend') || path.endsWith('/reinstate') ? probe('POST', path, headers) : probe('POST', path, headers, {});
    case 'PATCH':
    case 'PUT':
      return probe(operation.method, path, headers, { fields: {} });
    default:
      return probe(operation.method, path, headers);
  }
}

/**
 * One key per distinct set of scopes and kind, the roomiest tier first: more keys with the same
 * scopes add requests (and rate-limit waits), not evidence.
 */
function distinctByScopes(keys: readonly ResolvedKey[]): ResolvedKey[] {
  const seen = new Set<string>();
  return keys.filter((k) => {
    const id = `${k.kind}|${[...k.scopes].sort().join(' ')}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

const matrices = new WeakMap<CheckContext, Promise<Cell[]>>();

/** The matrix of this run, answered once. */
export function scopeMatrix(ctx: CheckContext): Promise<Cell[]> {
  let m = matrices.get(ctx);
  if (m === undefined) {
    m = (async () => {
      const cells: Cell[] = [];
      for (const key of distinctByScopes(activeKeys(ctx.profile))) {
        for (const operation of ctx.model.operations) {
          const p = harmlessProbe(operation, key);
          const expected = (await ctx.oracle.expect(p)).status;
          cells.push({ key, operation, probe: p, expected, exchange: await ctx.send(p) });
        }
      }
      return cells;
    })();
    matrices.set(ctx, m);
  }
  return m;
}

export type CellKind = 'admin-operation' | 'admin-implied' | 'write-for-read' | 'unknown-scope' | 'plain';

/** Which requirement a cell bears on: the reason the key may or may not call the operation. */
export function cellKind(cell: Pick<Cell, 'key' | 'operation'>, knownScopes: readonly string[]): CellKind {
  const { key, operation } = cell;
  const hasAdmin = key.scopes.includes(ADMIN_SCOPE);
  if (hasAdmin && operation.scopes.includes(ADMIN_SCOPE)) return 'admin-operation';
  if (hasAdmin) return 'admin-implied';
  if (operation.scopes.every((s) => s.endsWith(':read')) && operation.scopes.some((s) => !key.scopes.includes(s) && key.scopes.includes(s.replace(/:read$/, ':write')))) return 'write-for-read';
  if (key.scopes.length === 0 || key.scopes.some((s) => !knownScopes.includes(s))) return 'unknown-scope';
  return 'plain';
}

/** Whether the answer keeps the expectation as far as scope goes: 403 exactly where due, else neither 403 nor 401. */
export function keepsScope(cell: Cell): boolean {
  const got = cell.exchange.status;
  return cell.expected === 403 ? got === 403 : got !== 403 && got !== 401;
}
