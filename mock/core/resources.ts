// What each operation does once every check has passed: lists (filtered by clearance, TLP-3),
// reads, creates, updates, soft deletes, create-case, users and API keys.
import { emptyAnswer, failureAnswer, jsonAnswer, jsonOf, type Answer } from './answer.js';
import { keyStatus } from './authenticate.js';
import { entityClearanceFailure, visibleTo } from './clearance.js';
import type { Context } from './handle-request.js';
import { randomBase62 } from './key-material.js';
import { mintKey, type KeyMaterial } from './mint-key.js';
import type { KeyRecord, Operation } from './types.js';
import type { Collection, Entity } from '../store/types.js';

export type Target = { readonly kind: 'entity'; readonly entity: Entity } | { readonly kind: 'key'; readonly record: KeyRecord };

export interface Action {
  readonly operation: Operation;
  readonly key: KeyRecord;
  readonly target: Target | undefined;
  readonly body: unknown;
  readonly query: URLSearchParams;
  readonly now: number;
  readonly context: Context;
}

type Json = Record<string, unknown>;

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;
/** TLP/PAP given to a new entity that does not say: AMBER, or the key's clearance if lower. */
const DEFAULT_MARKING = 2;

const ID_PREFIX: Readonly<Record<Collection, string>> = { alerts: 'alert_', cases: 'case_', observables: 'obs_', users: 'user_' };

export const newId = (collection: Collection): string => ID_PREFIX[collection] + randomBase62(16);
const iso = (ms: number) => new Date(ms).toISOString();

/** Runs an operation that passed every check; synchronously when it needs no store. */
export function act(action: Action): Answer | Promise<Answer> {
  const { operation } = action;
  switch (operation.id) {
    case 'listAlerts':
      return list(action, 'alerts');
    case 'listCases':
      return list(action, 'cases');
    case 'listObservables':
      return list(action, 'observables');
    case 'listUsers':
      return list(action, 'users');
    case 'getAlert':
    case 'getCase':
    case 'getObservable':
    case 'getUser':
      return jsonAnswer(200, entityOf(action));
    case 'getCurrentUser':
      return currentUser(action);
    case 'createAlert':
      return create(action, 'alerts', alertFrom);
    case 'createCase':
      return create(action, 'cases', caseFrom);
    case 'createObservable':
      return create(action, 'observables', observableFrom);
    case 'createUser':
      return create(action, 'users', (body) => ({ email: body['email'], name: body['name'], role: body['role'] }));
    case 'updateAlert':
    case 'updateCase':
    case 'updateObservable':
      return update(action, collectionOf(operation));
    case 'deleteAlert':
    case 'deleteCase':
    case 'deleteObservable':
      return softDelete(action, collectionOf(operation));
    case 'createCaseFromAlerts':
      return createCaseFromAlerts(action);
    case 'listApiKeys':
      return listKeys(action);
    case 'createApiKey':
      return createKey(action);
    case 'revokeApiKey':
      return changeKey(action, 'revoke');
    case 'suspendApiKey':
      return changeKey(action, 'suspend');
    case 'reinstateApiKey':
      return changeKey(action, 'reinstate');
    default:
      throw new Error(`operation ${operation.id} has no implementation`);
  }
}

function collectionOf(operation: Operation): Collection {
  return operation.path.split('/')[1] as Collection;
}

function entityOf(action: Action): Entity {
  if (action.target?.kind !== 'entity') throw new Error(`${action.operation.id} reached act() without its entity`);
  return action.target.entity;
}

/** Pagination from the query; 400 for values outside the document's bounds. */
function pagination(query: URLSearchParams): { page: number; limit: number } | Answer {
  const page = query.get('page');
  const limit = query.get('limit');
  const errors: { field: string; message: string }[] = [];
  const p = page === null ? 1 : Number(page);
  const l = limit === null ? DEFAULT_LIMIT : Number(limit);
  if (!Number.isInteger(p) || p < 1) errors.push({ field: 'page', message: 'must be an integer of at least 1' });
  if (!Number.isInteger(l) || l < 1 || l > MAX_LIMIT) errors.push({ field: 'limit', message: `must be an integer from 1 to ${MAX_LIMIT}` });
  if (errors.length > 0) {
    return failureAnswer({ status: 400, code: 'invalid_query', detail: `The query is invalid: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}.`, errors });
  }
  return { page: p, limit: l };
}

function pagedAnswer(items: readonly object[], page: number, limit: number): Answer {
  const total = items.length;
  const slice = items.slice((page - 1) * limit, page * limit);
  const pages = Math.ceil(total / limit);
  return jsonAnswer(200, `{"data":[${slice.map(jsonOf).join(',')}],"pagination":{"page":${page},"limit":${limit},"total":${total},"totalPages":${pages}}}`);
}

/** TLP-3: entities above the key's clearance are left out, and so are they from the totals. */
async function list(action: Action, collection: Collection): Promise<Answer> {
  const paging = pagination(action.query);
  if ('status' in paging) return paging;
  const all = await action.context.stores.entities.all(collection);
  const sees = action.context.rules?.visibleTo ?? visibleTo;
  const visible = all.filter((e) => e.deleted !== true && sees(action.key, e));
  return pagedAnswer(visible, paging.page, paging.limit);
}

async function currentUser(action: Action): Promise<Answer> {
  const id = action.key.userId;
  const user = id === undefined ? undefined : await action.context.stores.entities.get('users', id);
  if (user === undefined) return failureAnswer({ status: 404, code: 'not_found', detail: 'This key belongs to no user.' });
  return jsonAnswer(200, user);
}

function marking(body: Json, name: 'tlp' | 'pap', clearance: number): number {
  const v = body[name];
  return typeof v === 'number' ? v : Math.min(DEFAULT_MARKING, clearance);
}

function alertFrom(body: Json, key: KeyRecord): Json {
  return {
    title: body['title'],
    description: body['description'] ?? '',
    type: body['type'],
    source: body['source'],
    sourceRef: body['sourceRef'],
    severity: body['severity'] ?? 2,
    statusValue: body['statusValue'] ?? 'New',
    tlp: marking(body, 'tlp', key.tlpClearance),
    pap: marking(body, 'pap', key.papClearance),
    tags: body['tags'] ?? [],
    observables: body['observables'] ?? [],
    customFields: body['customFields'] ?? {},
  };
}

function caseFrom(body: Json, key: KeyRecord): Json {
  return {
    title: body['title'],
    description: body['description'],
    severity: body['severity'] ?? 2,
    statusValue: body['statusValue'] ?? 'New',
    tlp: marking(body, 'tlp', key.tlpClearance),
    pap: marking(body, 'pap', key.papClearance),
    tags: body['tags'] ?? [],
    alertIds: [],
  };
}

function observableFrom(body: Json, key: KeyRecord): Json {
  const optional: Json = {};
  for (const name of ['message', 'alertId', 'caseId']) if (body[name] !== undefined) optional[name] = body[name];
  return {
    dataType: body['dataType'],
    data: body['data'],
    tlp: marking(body, 'tlp', key.tlpClearance),
    pap: marking(body, 'pap', key.papClearance),
    ioc: body['ioc'] ?? false,
    sighted: body['sighted'] ?? false,
    tags: body['tags'] ?? [],
    ...optional,
  };
}

async function create(action: Action, collection: Collection, build: (body: Json, key: KeyRecord) => Json): Promise<Answer> {
  const at = iso(action.now);
  const stamps = collection === 'users' ? { createdAt: at } : { deleted: false, createdAt: at, updatedAt: at };
  const entity = { id: newId(collection), ...build(action.body as Json, action.key), ...stamps } as Entity;
  await action.context.stores.entities.put(collection, entity);
  return jsonAnswer(201, entity);
}

async function update(action: Action, collection: Collection): Promise<Answer> {
  const fields = (action.body as { fields: Json }).fields;
  const entity = { ...entityOf(action), ...fields, updatedAt: iso(action.now) } as Entity;
  await action.context.stores.entities.put(collection, entity);
  return jsonAnswer(200, entity);
}

/** Soft delete is an update: the entity is kept, marked deleted, and no longer served. */
async function softDelete(action: Action, collection: Collection): Promise<Answer> {
  await action.context.stores.entities.put(collection, { ...entityOf(action), deleted: true, updatedAt: iso(action.now) });
  return emptyAnswer(204);
}

async function createCaseFromAlerts(action: Action): Promise<Answer> {
  const { entities } = action.context.stores;
  const body = action.body as { alertIds: string[]; title?: string };
  const alerts: Entity[] = [];
  const unknown: string[] = [];
  for (const id of new Set(body.alertIds)) {
    const alert = await entities.get('alerts', id);
    if (alert === undefined || alert.deleted === true) unknown.push(id);
    else alerts.push(alert);
  }
  // Clearance before existence (ERR-4), for every alert the body names.
  for (const alert of alerts) {
    const failure = entityClearanceFailure(action.key, alert);
    if (failure !== undefined) return failureAnswer(failure);
  }
  if (unknown.length > 0) return failureAnswer({ status: 404, code: 'not_found', detail: `${unknown.length} of the alerts named do not exist.` });
  const at = iso(action.now);
  const first = alerts[0]!;
  const caseEntity = {
    id: newId('cases'),
    title: body.title ?? (first['title'] as string),
    description: alerts.map((a) => a['description']).filter((d) => typeof d === 'string' && d !== '').join('\n\n'),
    severity: Math.max(...alerts.map((a) => a['severity'] as number)),
    statusValue: 'New',
    tlp: Math.max(...alerts.map((a) => a.tlp ?? 0)),
    pap: Math.max(...alerts.map((a) => a.pap ?? 0)),
    tags: [...new Set(alerts.flatMap((a) => a['tags'] as string[]))],
    alertIds: alerts.map((a) => a.id),
    deleted: false,
    createdAt: at,
    updatedAt: at,
  } as Entity;
  // The case and its alerts' link to it in one write: no later request sees half of it.
  await entities.putAll([{ collection: 'cases', entity: caseEntity }, ...alerts.map((alert) => ({ collection: 'alerts' as const, entity: { ...alert, caseId: caseEntity.id, updatedAt: at } as Entity }))]);
  return jsonAnswer(201, { caseId: caseEntity.id });
}

/** The API's view of a key: metadata and a display prefix, never material or hashes. */
export function keyView(record: KeyRecord, now: number): Json {
  const view: Json = {
    id: record.id,
    name: record.name,
    kind: record.kind,
    tier: record.tier,
    scopes: record.scopes,
    tlpClearance: record.tlpClearance,
    papClearance: record.papClearance,
    status: keyStatus(record, now),
    prefix: record.prefix,
    createdAt: iso(record.createdAt),
  };
  if (record.description !== undefined) view['description'] = record.description;
  if (record.expiresAt !== undefined) view['expiresAt'] = iso(record.expiresAt);
  if (record.accessKey !== undefined) view['accessKey'] = record.accessKey;
  return view;
}

async function listKeys(action: Action): Promise<Answer> {
  const paging = pagination(action.query);
  if ('status' in paging) return paging;
  const records = await action.context.stores.keys.list();
  return pagedAnswer(records.map((r) => keyView(r, action.now)), paging.page, paging.limit);
}

/** The material of a new key, shown in this answer only. */
export function materialView(material: KeyMaterial): Json {
  return material.kind === 'modern' ? { key: material.key } : { accessKey: material.accessKey, secret: material.secret };
}

async function createKey(action: Action): Promise<Answer> {
  const body = action.body as Json;
  const { policy } = action.context.model;
  const minted = mintKey(
    {
      name: body['name'] as string,
      ...(typeof body['description'] === 'string' ? { description: body['description'] } : {}),
      kind: body['kind'] === 'legacy' ? 'legacy' : 'modern',
      tier: body['tier'] as string,
      scopes: body['scopes'] as string[],
      ...(typeof body['tlpClearance'] === 'number' ? { tlpClearance: body['tlpClearance'] } : {}),
      ...(typeof body['papClearance'] === 'number' ? { papClearance: body['papClearance'] } : {}),
      ...(typeof body['expiresAt'] === 'string' ? { expiresAt: Date.parse(body['expiresAt']) } : {}),
      ...(action.key.userId !== undefined ? { userId: action.key.userId } : {}),
    },
    action.now,
    { tlp: policy.defaultTlpClearance, pap: policy.defaultPapClearance },
  );
  await action.context.stores.keys.put(minted.record);
  return jsonAnswer(201, { ...keyView(minted.record, action.now), ...materialView(minted.material) });
}

async function changeKey(action: Action, change: 'revoke' | 'suspend' | 'reinstate'): Promise<Answer> {
  if (action.target?.kind !== 'key') throw new Error(`${action.operation.id} reached act() without its key`);
  const record = action.target.record;
  if (record.revokedAt !== undefined && change !== 'revoke') {
    return failureAnswer({ status: 409, code: 'key_revoked', detail: 'A revoked key cannot be suspended or reinstated.' });
  }
  const next: KeyRecord =
    change === 'revoke' ? { ...record, revokedAt: record.revokedAt ?? action.now } : { ...record, suspended: change === 'suspend' };
  await action.context.stores.keys.put(next);
  return change === 'revoke' ? emptyAnswer(204) : jsonAnswer(200, keyView(next, action.now));
}
