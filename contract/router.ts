// Matches a request path to an operation of the scope table. The API answers under /api/v1 and /api.
import type { Operation } from './types.js';

export const BASE_PATHS = ['/api/v1', '/api'] as const;

export type RouteMatch =
  | {
      readonly kind: 'operation';
      readonly operation: Operation;
      /** The first path parameter: the entity the operation addresses, in `collection`. */
      readonly id?: string;
      readonly collection: string;
      /** Every path parameter, in order, when there are more than one (`/alerts/{alertId}/merge/{caseId}`). */
      readonly params?: readonly string[];
    }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'method-not-allowed'; readonly allow: string };

interface CompiledRoute {
  readonly operation: Operation;
  readonly segments: readonly string[];
  readonly collection: string;
}

/** The path relative to the API base, or undefined when it is outside the API. */
export function relativePath(pathname: string): string | undefined {
  for (const base of BASE_PATHS) {
    if (pathname === base) return '/';
    if (pathname.startsWith(base) && pathname.charCodeAt(base.length) === 47 /* / */) return pathname.slice(base.length);
  }
  return undefined;
}

/** A router over the operation table. Literal segments beat `{id}`, so `/users/me` is not a user id. */
export type Router = ((method: string, path: string) => RouteMatch) & {
  /** How many (method, path) answers it remembers now (for tests of its bound). */
  readonly remembered: () => number;
};

export function createRouter(operations: readonly Operation[], cacheSize = ROUTE_CACHE_SIZE): Router {
  const routes: CompiledRoute[] = operations.map((operation) => {
    const segments = operation.path.split('/').slice(1);
    return { operation, segments, collection: segments[0]! };
  });
  // Literal routes first, so that they win over parameters; then indexed by the first segment
  // and the number of segments, so a request looks at a handful of routes, not all of them.
  routes.sort((a, b) => paramCount(a) - paramCount(b));
  const index = new Map<string, CompiledRoute[]>();
  for (const route of routes) {
    const k = `${route.segments[0]}/${route.segments.length}`;
    const list = index.get(k);
    if (list === undefined) index.set(k, [route]);
    else list.push(route);
  }
  // Answers by method and path: a client asks for the same few paths again and again, and a
  // match is immutable. Bounded: emptied when full, so odd paths cannot grow it without end.
  const cache = new Map<string, Map<string, RouteMatch>>();
  let cached = 0;
  const match = (method: string, path: string): RouteMatch => {
    const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
    const parts = trimmed.split('/').slice(1);
    const candidates = index.get(`${parts[0]}/${parts.length}`);
    if (candidates === undefined) return { kind: 'not-found' };
    const allowed: string[] = [];
    for (const route of candidates) {
      const params = matchSegments(route.segments, parts);
      if (params === false) continue;
      if (route.operation.method !== method) {
        allowed.push(route.operation.method);
        continue;
      }
      if (params === true) return { kind: 'operation', operation: route.operation, collection: route.collection };
      if (typeof params === 'string') return { kind: 'operation', operation: route.operation, id: params, collection: route.collection };
      return { kind: 'operation', operation: route.operation, id: params[0]!, collection: route.collection, params };
    }
    return allowed.length > 0 ? { kind: 'method-not-allowed', allow: [...new Set(allowed)].join(', ') } : { kind: 'not-found' };
  };
  // By method, then path: no key string is built a request. Only paths that name an operation
  // (or a method it does not allow) and are of a sane length are kept: odd paths, 404s above all,
  // would only fill it and push the useful ones out.
  const route = (method: string, path: string): RouteMatch => {
    let byPath = cache.get(method);
    let found = byPath?.get(path);
    if (found !== undefined) return found;
    found = match(method, path);
    if (found.kind === 'not-found' || path.length > MAX_CACHED_PATH) return found;
    if (cached >= cacheSize) {
      cache.clear();
      byPath = undefined;
      cached = 0;
    }
    if (byPath === undefined) cache.set(method, (byPath = new Map()));
    byPath.set(path, found);
    cached += 1;
    return found;
  };
  return Object.assign(route, { remembered: () => cached });
}

/** Distinct (method, path) pairs the router remembers at most, and the longest path it keeps. */
const ROUTE_CACHE_SIZE = 4_096;
const MAX_CACHED_PATH = 256;

function paramCount(route: CompiledRoute): number {
  return route.segments.filter((s) => s.startsWith('{')).length;
}

/**
 * true for a literal match, the decoded parameter for a match with one, every decoded parameter
 * (in order) for a match with several, false otherwise.
 */
function matchSegments(pattern: readonly string[], parts: readonly string[]): string | string[] | true | false {
  if (pattern.length !== parts.length) return false;
  let id: string | undefined;
  let more: string[] | undefined;
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const v = parts[i]!;
    if (p.startsWith('{')) {
      if (v === '') return false;
      let value = v;
      if (v.includes('%')) {
        try {
          value = decodeURIComponent(v);
        } catch {
          return false;
        }
      }
      if (id === undefined) id = value;
      else (more ??= [id]).push(value);
    } else if (p !== v) return false;
  }
  return more ?? id ?? true;
}
