// Faults in what a key may do (SCOPE) and see (TLP): a core rule replaced, or the order of the
// pipeline's checks broken from outside.
import { failureAnswer } from '../../contract/answer.js';
import { entityClearanceFailure } from '../../contract/clearance.js';
import { isDeleted } from '../../contract/entities.js';
import { relativePath } from '../../contract/router.js';
import { missingScopes } from '../../contract/scopes.js';
import type { Collection } from '../../contract/store-types.js';
import { withJsonBody, type Fault } from './fault.js';

const COLLECTIONS = new Set(['alerts', 'cases', 'observables', 'users']);

/** The collection and id a request addresses (`/alerts/{id}`, `/api-keys/{id}/suspend`), if any. */
function addressed(pathname: string): { collection: Collection | 'api-keys'; id: string } | undefined {
  const parts = (relativePath(pathname) ?? '').split('/');
  if (parts.length < 3 || parts[2] === '' || parts[2] === 'me' || parts[2] === 'create-case') return undefined;
  if (parts[1] === 'api-keys') return { collection: 'api-keys', id: decodeURIComponent(parts[2]!) };
  if (parts.length !== 3 || !COLLECTIONS.has(parts[1]!)) return undefined;
  return { collection: parts[1] as Collection, id: decodeURIComponent(parts[2]!) };
}

export const ACCESS_FAULTS: readonly Fault[] = [
  {
    name: 'admin-not-a-wildcard',
    breaks: ['SCOPE-2'],
    description: 'admin:* is compared like any other scope: it grants the administrative operations only',
    rules: { missingScopes: (granted, required, policy) => missingScopes(granted, required, { ...policy, adminImpliesAll: false }) },
  },
  {
    name: 'write-implies-read',
    breaks: ['SCOPE-3'],
    description: 'a :write scope also grants the :read of its collection',
    rules: { missingScopes: (granted, required, policy) => missingScopes(granted, required, { ...policy, writeImpliesRead: true }) },
  },
  {
    name: 'scopes-case-insensitive',
    breaks: ['SCOPE-4'],
    description: 'scopes are compared without regard to case (ALERTS:READ grants alerts:read)',
    rules: { missingScopes: (granted, required, policy) => missingScopes(granted.map((s) => s.toLowerCase()), required, policy) },
  },
  {
    name: 'existence-before-scope',
    breaks: ['SCOPE-5', 'ERR-4'],
    description: 'the entity is looked up before the scope is checked: an unknown id gets 404 from a key without the scope',
    wrap: (next, env) => async (facts) => {
      const answer = await next(facts);
      if (answer.status !== 403 || answer.body === undefined || !answer.body.includes('"insufficient_scope"')) return answer;
      const target = addressed(facts.pathname);
      if (target === undefined) return answer;
      const entity = target.collection === 'api-keys' ? undefined : await env.stores.entities.get(target.collection, target.id);
      const found = target.collection === 'api-keys' ? (await env.stores.keys.get(target.id)) !== undefined : entity !== undefined && !isDeleted(entity);
      if (found) return answer;
      return failureAnswer({ status: 404, code: 'not_found', detail: `No ${target.collection.replace(/s$/, '')} has this id.` });
    },
  },
  {
    name: 'pap-ignored-on-entities',
    breaks: ['TLP-2'],
    description: 'reading or updating one entity checks its TLP but not its PAP',
    rules: { entityClearanceFailure: (key, entity) => entityClearanceFailure(key, { tlp: entity.tlp }) },
  },
  {
    name: 'list-shows-restricted',
    breaks: ['TLP-3'],
    description: 'lists include entities above the key’s TLP/PAP clearance',
    rules: { visibleTo: () => true },
  },
  {
    name: 'list-total-counts-restricted',
    breaks: ['TLP-3'],
    description: 'lists are filtered, but their total is counted without the clearance filter',
    wrap: (next, env) => async (facts) => {
      const answer = await next(facts);
      const parts = (relativePath(facts.pathname) ?? '').split('/');
      if (facts.method !== 'GET' || answer.status !== 200 || parts.length !== 2 || !COLLECTIONS.has(parts[1]!)) return answer;
      const all = (await env.stores.entities.all(parts[1] as Collection)).filter((e) => !isDeleted(e)).length;
      return withJsonBody(answer, (body) => {
        const pagination = body['pagination'] as { total?: number; limit?: number; totalPages?: number } | undefined;
        if (pagination === undefined) return;
        pagination.total = all;
        pagination.totalPages = Math.ceil(all / (pagination.limit ?? 20));
      });
    },
  },
  {
    name: 'marking-above-clearance-allowed',
    breaks: ['TLP-4'],
    description: 'a key may create or update an entity with a TLP/PAP above its own clearance',
    rules: { markingClearanceFailure: () => undefined },
  },
];

