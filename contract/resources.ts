// What each operation does once every check has passed: lists (filtered by clearance, TLP-3),
// reads, creates, updates, soft deletes, create-case, merge, users and API keys. Alerts, cases and
// users take CaseBender's documented shapes from core/entities.ts.
import { emptyAnswer, failureAnswer, jsonAnswer, jsonItems, type Answer } from './answer.js';
import { keyStatus } from './authenticate.js';
import { entityClearanceFailure, visibleTo } from './clearance.js';
import { alertShape, caseShape, isDeleted, nextTinyId, observableTypeId, slaFields, statusMatches, userRef, userShape } from './entities.js';
import type { Context } from './handle-request.js';
import { randomBase62 } from './key-material.js';
import { mintKey, type KeyMaterial } from './mint-key.js';
import type { KeyRecord, Operation } from './types.js';
import type { Collection, Entity } from './store-types.js';

export type Target = { readonly kind: 'entity'; readonly entity: Entity } | { readonly kind: 'key'; readonly record: KeyRecord };

export interface Action {
  readonly operation: Operation;
  readonly key: KeyRecord;
  readonly target: Target | undefined;
  readonly body: unknown;
  /** Every path parameter when the path has several (merge: alert id, case id). */
  readonly params?: readonly string[];
  readonly query: URLSearchParams;
  readonly now: number;
  readonly context: Context;
}

type Json = Record<string, unknown>;

export interface UploadedFile {
  readonly name: string;
  readonly type: string;
}

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
      return listAlerts(action);
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
    case 'createAlertWithFiles':
      return createAlert(action);
    case 'createCase':
      return createCase(action);
    case 'createObservable':
      return createObservable(action);
    case 'createUser':
      return createUser(action);
    case 'updateAlert':
    case 'replaceAlert':
      return update(action, 'alerts', alertShape);
    case 'updateCase':
      return update(action, 'cases', caseShape);
    case 'updateObservable':
      return update(action, 'observables', (e) => e as Entity);
    case 'mergeAlertIntoCase':
      return mergeAlertIntoCase(action);
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
  // REF: CaseBender documents no list but GET /alerts; the others are paged as `{data, pagination}`.
  const total = items.length;
  const slice = items.slice((page - 1) * limit, page * limit);
  const pages = Math.ceil(total / limit);
  return jsonAnswer(200, `{"data":[${jsonItems(slice)}],"pagination":{"page":${page},"limit":${limit},"total":${total},"totalPages":${pages}}}`);
}

/** TLP-3: entities above the key's clearance are left out, and so are they from the totals. */
async function list(action: Action, collection: Collection): Promise<Answer> {
  const paging = pagination(action.query);
  if ('status' in paging) return paging;
  const all = await action.context.stores.entities.all(collection);
  const sees = action.context.rules?.visibleTo ?? visibleTo;
  const visible = all.filter((e) => !isDeleted(e) && sees(action.key, e));
  return pagedAnswer(visible, paging.page, paging.limit);
}

/**
 * GET /alerts as documented: a top-level array of every alert the key may see (TLP-3), newest
 * first, optionally of one status. `page` and `limit` (REF) cut it only when given.
 */
async function listAlerts(action: Action): Promise<Answer> {
  const { query } = action;
  const paged = query.has('page') || query.has('limit');
  const paging = pagination(query);
  if ('status' in paging) return paging;
  const status = query.get('status');
  if (status !== null && status.trim() === '') {
    return failureAnswer({ status: 400, code: 'invalid_query', detail: 'The query is invalid: status must not be empty.', errors: [{ field: 'status', message: 'must not be empty' }] });
  }
  const all = await action.context.stores.entities.all('alerts');
  const sees = action.context.rules?.visibleTo ?? visibleTo;
  const visible = all.filter((e) => !isDeleted(e) && sees(action.key, e) && (status === null || statusMatches(e, status)));
  visible.sort(newestFirst);
  const items = paged ? visible.slice((paging.page - 1) * paging.limit, paging.page * paging.limit) : visible;
  return jsonAnswer(200, `[${jsonItems(items)}]`);
}

function newestFirst(a: Entity, b: Entity): number {
  const x = String(a['createdAt'] ?? '');
  const y = String(b['createdAt'] ?? '');
  return x < y ? 1 : x > y ? -1 : a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

async function currentUser(action: Action): Promise<Answer> {
  const id = action.key.userId;
  const user = id === undefined ? undefined : await action.context.stores.entities.get('users', id);
  if (user === undefined) return failureAnswer({ status: 404, code: 'not_found', detail: 'This key belongs to no user.' });
  return jsonAnswer(200, userShape(user));
}

function marking(body: Json, name: 'tlp' | 'pap', clearance: number): number {
  const v = body[name];
  return typeof v === 'number' ? v : Math.min(DEFAULT_MARKING, clearance);
}

/** The user a key belongs to, as alerts and cases show their creator (null for a key of no user). */
async function creatorOf(action: Action): Promise<Entity | undefined> {
  const id = action.key.userId;
  return id === undefined ? undefined : action.context.stores.entities.get('users', id);
}

async function assigneeOf(action: Action, body: Json): Promise<Entity | null> {
  const id = body['assigneeId'];
  return typeof id === 'string' ? userRef(await action.context.stores.entities.get('users', id)) : null;
}

/** Create Alert (JSON) and Create Alert with files (multipart): the documented AlertInput. */
async function createAlert(action: Action): Promise<Answer> {
  const body = action.body as Json;
  const { entities } = action.context.stores;
  const at = iso(action.now);
  // A file observable (its attachment matched an uploaded file in the pipeline) shows the file's name as its data.
  const observables = ((body['observables'] as Json[] | undefined) ?? []).map((o) => (typeof o['attachment'] === 'string' && o['data'] === undefined ? { ...o, data: o['attachment'] } : o));
  const alert = alertShape({
    ...body,
    id: newId('alerts'),
    tinyId: nextTinyId(await entities.all('alerts')),
    tlp: marking(body, 'tlp', action.key.tlpClearance),
    pap: marking(body, 'pap', action.key.papClearance),
    observables,
    createdById: action.key.userId ?? null,
    assignee: await assigneeOf(action, body),
    createdAt: at,
    updatedAt: at,
  });
  await entities.put('alerts', alert);
  return jsonAnswer(200, alert);
}

/** Create Case: the documented body; answers the case detail with 200. */
async function createCase(action: Action): Promise<Answer> {
  const body = action.body as Json;
  const { entities } = action.context.stores;
  const at = iso(action.now);
  const id = newId('cases');
  const { slaConfig, ...fields } = body;
  const creator = await creatorOf(action);
  const record = caseShape({
    ...fields,
    ...slaFields(slaConfig, id, typeof body['createdAt'] === 'string' ? body['createdAt'] : at),
    id,
    tinyId: nextTinyId(await entities.all('cases')),
    // Read as numbers (the en sample sends 2.5 and 1.5), kept as the integers every answer shows:
    // severity to the nearest, markings up, never less restrictive than asked.
    severity: Math.round(body['severity'] as number),
    tlp: Math.ceil(marking(body, 'tlp', action.key.tlpClearance)),
    pap: Math.ceil(marking(body, 'pap', action.key.papClearance)),
    createdAt: typeof body['createdAt'] === 'string' ? new Date(body['createdAt']).toISOString() : at,
    updatedAt: at,
    createdById: action.key.userId ?? null,
    createdBy: userRef(creator),
    assignee: await assigneeOf(action, body),
  });
  await entities.put('cases', record);
  return jsonAnswer(200, record);
}

async function createUser(action: Action): Promise<Answer> {
  const body = action.body as Json;
  const at = iso(action.now);
  const user = userShape({ ...body, id: newId('users'), createdAt: at, updatedAt: at });
  await action.context.stores.entities.put('users', user);
  return jsonAnswer(201, user);
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

/** POST /observables (REF: CaseBender documents no observables collection): 201 with the observable. */
async function createObservable(action: Action): Promise<Answer> {
  const at = iso(action.now);
  const entity = { id: newId('observables'), ...observableFrom(action.body as Json, action.key), deleted: false, createdAt: at, updatedAt: at } as Entity;
  await action.context.stores.entities.put('observables', entity);
  return jsonAnswer(201, entity);
}

async function update(action: Action, collection: Collection, shape: (record: Json) => Entity): Promise<Answer> {
  const fields = (action.body as { fields: Json }).fields;
  // A new assignee is shown as the user it names, not as the one it replaces.
  const assignee = collection !== 'observables' && 'assigneeId' in fields ? { assignee: await assigneeOf(action, fields) } : {};
  const entity = shape({ ...entityOf(action), ...fields, ...assignee, updatedAt: iso(action.now) });
  await action.context.stores.entities.put(collection, entity);
  return jsonAnswer(200, entity);
}

/** Soft delete is an update: the entity is kept, marked deleted (`deletedAt`), and no longer served. */
async function softDelete(action: Action, collection: Collection): Promise<Answer> {
  const entity = entityOf(action);
  const at = iso(action.now);
  await action.context.stores.entities.put(collection, { ...entity, ...('deleted' in entity ? { deleted: true } : {}), deletedAt: at, updatedAt: at });
  return emptyAnswer(204);
}

/** The observables of an alert as a case detail lists them (documented CaseObservable fields). */
function caseObservables(alert: Entity, caseId: string, at: string, createdById: string | null): Json[] {
  return ((alert['observables'] as Json[] | undefined) ?? []).map((o, i) => ({
    id: `obs_${alert.id.replace(/^alert_/, '')}_${i}`,
    caseId,
    alertId: alert.id,
    createdById,
    createdAt: at,
    observableTypeId: observableTypeId(o['dataType']),
    dataType: o['dataType'],
    data: String(o['data'] ?? o['attachment'] ?? ''),
    startDate: at,
    tlp: alert.tlp ?? 0,
  }));
}

const caseRef = (c: Entity) => ({ id: c.id, tinyId: c['tinyId'], title: c['title'] });

/**
 * Create Case from Alert: the body is AlertInput plus `alertIds`; the case takes the body's fields,
 * and a TLP/PAP no lower than its alerts' (a case must not reveal an alert to fewer keys).
 */
async function createCaseFromAlerts(action: Action): Promise<Answer> {
  const { entities } = action.context.stores;
  const body = action.body as Json & { alertIds: string[] };
  const alerts: Entity[] = [];
  const unknown: string[] = [];
  for (const id of new Set(body.alertIds)) {
    const alert = await entities.get('alerts', id);
    if (alert === undefined || isDeleted(alert)) unknown.push(id);
    else alerts.push(alert);
  }
  // Clearance before existence (ERR-4), for every alert the body names.
  for (const alert of alerts) {
    const failure = entityClearanceFailure(action.key, alert);
    if (failure !== undefined) return failureAnswer(failure);
  }
  if (unknown.length > 0) return failureAnswer({ status: 404, code: 'not_found', detail: `${unknown.length} of the alerts named do not exist.` });
  const at = iso(action.now);
  const id = newId('cases');
  const createdById = action.key.userId ?? null;
  const { alertIds: _ids, observables: _observables, count: _count, teams: _teams, externalLink: _link, ...fields } = body;
  const caseEntity = caseShape({
    ...fields,
    id,
    tinyId: nextTinyId(await entities.all('cases')),
    tlp: Math.max(marking(body, 'tlp', action.key.tlpClearance), ...alerts.map((a) => a.tlp ?? 0)),
    pap: Math.max(marking(body, 'pap', action.key.papClearance), ...alerts.map((a) => a.pap ?? 0)),
    alertIds: alerts.map((a) => a.id),
    observables: alerts.flatMap((a) => caseObservables(a, id, at, createdById)),
    createdById,
    createdBy: userRef(await creatorOf(action)),
    assignee: await assigneeOf(action, body),
    createdAt: at,
    updatedAt: at,
  });
  // The case and its alerts' link to it in one write: no later request sees half of it.
  await entities.putAll([
    { collection: 'cases', entity: caseEntity },
    ...alerts.map((alert) => ({ collection: 'alerts' as const, entity: alertShape({ ...alert, case: caseRef(caseEntity), updatedAt: at }) })),
  ]);
  return jsonAnswer(200, { caseId: caseEntity.id });
}

/**
 * Merge Alert with Case: the alert (already checked: clearance, existence) joins the case, whose
 * clearance and existence are checked here in the same order; answers the alert.
 */
async function mergeAlertIntoCase(action: Action): Promise<Answer> {
  const { entities } = action.context.stores;
  const alert = entityOf(action);
  const caseId = action.params?.[1];
  if (caseId === undefined) throw new Error('mergeAlertIntoCase reached act() without its case id');
  const found = await entities.get('cases', caseId);
  const caseEntity = found !== undefined && !isDeleted(found) ? found : undefined;
  if (caseEntity !== undefined) {
    const failure = (action.context.rules?.entityClearanceFailure ?? entityClearanceFailure)(action.key, caseEntity);
    if (failure !== undefined) return failureAnswer(failure);
  }
  if (caseEntity === undefined) return failureAnswer({ status: 404, code: 'not_found', detail: 'No case has this id.' });
  const at = iso(action.now);
  const alertIds = (caseEntity['alertIds'] as string[] | undefined) ?? [];
  const already = alertIds.includes(alert.id);
  // The case's markings rise to the alert's, as for Create Case from Alert: it must not show the alert to more keys.
  const merged = caseShape({
    ...caseEntity,
    tlp: Math.max(caseEntity.tlp ?? 0, alert.tlp ?? 0),
    pap: Math.max(caseEntity.pap ?? 0, alert.pap ?? 0),
    alertIds: already ? alertIds : [...alertIds, alert.id],
    observables: already ? caseEntity['observables'] : [...((caseEntity['observables'] as Json[] | undefined) ?? []), ...caseObservables(alert, caseEntity.id, at, action.key.userId ?? null)],
    updatedAt: at,
  });
  const linked = alertShape({ ...alert, case: caseRef(merged), updatedAt: at });
  await entities.putAll([
    { collection: 'cases', entity: merged },
    { collection: 'alerts', entity: linked },
  ]);
  return jsonAnswer(200, linked);
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
