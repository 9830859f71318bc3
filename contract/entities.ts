// The entities as CaseBender documents them (fixtures/openapi.yaml: Alert, Case, CaseDetail, User):
// one function a kind builds the whole answer shape from what is stored, filling what the record
// leaves out and deriving what CaseBender derives (the status object, labels, colours). Creates,
// updates, merges and the seed all go through them, so every alert the mock serves has one shape.
// Pure: no store, no clock.
import type { Entity } from './store-types.js';

type Json = Record<string, unknown>;

/** A served entity is one not soft-deleted: `deletedAt` set (alerts, cases) or `deleted` (observables). */
export function isDeleted(entity: Entity): boolean {
  return entity.deleted === true || (entity['deletedAt'] !== undefined && entity['deletedAt'] !== null);
}

export interface StatusObject {
  readonly id: string;
  readonly stage: 'New' | 'InProgress' | 'Closed';
  readonly label: string;
  readonly color: string;
  readonly value: string;
  readonly canDelete: boolean;
}

/**
 * The mock's statuses (REF: CaseBender documents the fields and the three stages, not a list):
 * known values by their normalised form; any other value is a status of the deployment's own
 * workflow, in progress, labelled with the value itself.
 */
const KNOWN_STATUSES: Readonly<Record<string, { stage: StatusObject['stage']; label: string; color: string; canDelete: boolean }>> = {
  new: { stage: 'New', label: 'New', color: '#3b82f6', canDelete: false },
  open: { stage: 'InProgress', label: 'Open', color: '#f59e0b', canDelete: false },
  'in-progress': { stage: 'InProgress', label: 'In progress', color: '#f59e0b', canDelete: false },
  inprogress: { stage: 'InProgress', label: 'In progress', color: '#f59e0b', canDelete: false },
  closed: { stage: 'Closed', label: 'Closed', color: '#6b7280', canDelete: false },
  resolved: { stage: 'Closed', label: 'Resolved', color: '#10b981', canDelete: false },
};

const normalised = (value: string) => value.trim().toLowerCase().replace(/[\s_]+/g, '-');

/** The status object of a free-text `statusValue` (documented fields; mapping REF). */
export function statusOf(value: string): StatusObject {
  const key = normalised(value);
  const known = KNOWN_STATUSES[key];
  const id = `status_${key.replace(/[^a-z0-9-]/g, '') || 'custom'}`;
  if (known !== undefined) return { id, ...known, value };
  return { id, stage: 'InProgress', label: value, color: '#8b5cf6', value, canDelete: true };
}

/** Whether a status filter (`GET /alerts?status=`) names this alert's status: its value or its stage. */
export function statusMatches(alert: Entity, wanted: string): boolean {
  const value = alert['statusValue'];
  if (typeof value !== 'string') return false;
  const w = normalised(wanted);
  return normalised(value) === w || normalised(statusOf(value).stage) === w;
}

const SEVERITIES: Readonly<Record<number, { label: string; color: string }>> = {
  1: { label: 'Low', color: '#22c55e' },
  2: { label: 'Medium', color: '#eab308' },
  3: { label: 'High', color: '#f97316' },
  4: { label: 'Critical', color: '#ef4444' },
};

function severityFields(severity: unknown): { severityLabel: string; severityColor: string } {
  const s = SEVERITIES[Number(severity)] ?? { label: String(severity), color: '#6b7280' };
  return { severityLabel: s.label, severityColor: s.color };
}

/** `2026-10-02 01:15 UTC`: the mock's display label of a timestamp (CaseBender documents the field, not its format). */
export function timeLabel(iso: unknown): string {
  if (typeof iso !== 'string' || iso.length < 16) return String(iso ?? '');
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

const orNull = (v: unknown) => (v === undefined ? null : v);

/** The whole documented Alert from a stored or new record (unknown fields are not served). */
export function alertShape(r: Json): Entity {
  const statusValue = String(r['statusValue'] ?? 'new');
  const alert: Json = {
    id: r['id'],
    tinyId: r['tinyId'],
    title: r['title'],
    description: r['description'] ?? '',
    statusValue,
    status: statusOf(statusValue),
    count: r['count'] ?? 1,
    severity: r['severity'],
    ...severityFields(r['severity']),
    type: orNull(r['type']),
    source: orNull(r['source']),
    sourceRef: orNull(r['sourceRef']),
    externalLink: orNull(r['externalLink']),
    tlp: r['tlp'],
    pap: r['pap'],
    customFields: r['customFields'] ?? {},
    createdAt: r['createdAt'],
    updatedAt: r['updatedAt'],
    createdAtLabel: timeLabel(r['createdAt']),
    updatedAtLabel: timeLabel(r['updatedAt']),
    teams: r['teams'] ?? [],
    tags: r['tags'] ?? [],
    organizations: r['organizations'] ?? [],
    observables: r['observables'] ?? [],
    assigneeId: orNull(r['assigneeId']),
    createdById: orNull(r['createdById']),
    deletedAt: orNull(r['deletedAt']),
    visibleToAllOrganizations: r['visibleToAllOrganizations'] ?? false,
    primaryAlertId: orNull(r['primaryAlertId']),
    clientId: orNull(r['clientId']),
    clientName: orNull(r['clientName']),
    case: orNull(r['case']),
    assignee: orNull(r['assignee']),
  };
  if (r['aiInsights'] !== undefined) alert['aiInsights'] = r['aiInsights'];
  return alert as Entity;
}

/** The whole documented case detail (Case + assignee, createdBy, tasks, observables) from a record. */
export function caseShape(r: Json): Entity {
  const c: Json = {
    id: r['id'],
    tinyId: r['tinyId'],
    title: r['title'],
    description: r['description'] ?? '',
    statusValue: String(r['statusValue'] ?? 'new'),
    createdAt: r['createdAt'],
    updatedAt: r['updatedAt'],
    deletedAt: orNull(r['deletedAt']),
    severity: r['severity'],
    ...severityFields(r['severity']),
    createdAtLabel: timeLabel(r['createdAt']),
    updatedAtLabel: timeLabel(r['updatedAt']),
    tlp: r['tlp'],
    pap: r['pap'],
    createdById: orNull(r['createdById']),
    assigneeId: orNull(r['assigneeId']),
    flag: r['flag'] ?? false,
    source: orNull(r['source']),
    sourceRef: orNull(r['sourceRef']),
    type: orNull(r['type']),
    visibleToAllOrganizations: r['visibleToAllOrganizations'] ?? false,
    organizations: r['organizations'] ?? [],
    tags: r['tags'] ?? [],
    primaryCaseId: orNull(r['primaryCaseId']),
    clientId: orNull(r['clientId']),
    clientName: orNull(r['clientName']),
    slaConfigId: orNull(r['slaConfigId']),
    slaDeadline: orNull(r['slaDeadline']),
    slaStatus: orNull(r['slaStatus']),
    slaStartedAt: orNull(r['slaStartedAt']),
    slaUpdatedAt: orNull(r['slaUpdatedAt']),
    slaPausedAt: orNull(r['slaPausedAt']),
    customFields: r['customFields'] ?? {},
    extraData: r['extraData'] ?? {},
    aiInsights: r['aiInsights'] ?? {},
    alertIds: r['alertIds'] ?? [],
    assignee: orNull(r['assignee']),
    createdBy: orNull(r['createdBy']),
    tasks: r['tasks'] ?? [],
    observables: r['observables'] ?? [],
  };
  return c as Entity;
}

/** A user as served: the documented fields but `password` and `salt`, never served; `role` (REF). */
export function userShape(r: Json): Entity {
  return {
    id: r['id'],
    email: r['email'],
    firstName: r['firstName'] ?? '',
    lastName: r['lastName'] ?? '',
    image: orNull(r['image']),
    status: r['status'] ?? 'active',
    role: r['role'],
    createdAt: r['createdAt'],
    updatedAt: r['updatedAt'] ?? r['createdAt'],
    deletedAt: orNull(r['deletedAt']),
  } as Entity;
}

/** The SLA fields of a new case from Create Case's `slaConfig` (REF: CaseBender documents the fields only). */
export function slaFields(slaConfig: unknown, caseId: string, createdAt: string): Json {
  if (typeof slaConfig !== 'object' || slaConfig === null) return {};
  const hours = Number((slaConfig as Json)['deadlineHours']);
  const start = Date.parse(createdAt);
  return {
    slaConfigId: `sla_${caseId.replace(/^case_/, '')}`,
    slaStartedAt: createdAt,
    slaUpdatedAt: createdAt,
    slaDeadline: Number.isFinite(hours) && Number.isFinite(start) ? new Date(start + hours * 3_600_000).toISOString() : null,
    slaStatus: 'active',
    extraData: { slaConfig },
  };
}

/** The integer `observableTypeId` of a case observable by its data type (REF numbering). */
const OBSERVABLE_TYPE_IDS: Readonly<Record<string, number>> = { ip: 1, domain: 2, fqdn: 2, url: 3, mail: 4, email: 4, hash: 5, file: 6, filename: 7, other: 99 };

export function observableTypeId(dataType: unknown): number {
  return OBSERVABLE_TYPE_IDS[String(dataType).toLowerCase()] ?? 99;
}

/** The next `tinyId` of a collection: one more than the largest given out. */
export function nextTinyId(entities: readonly Entity[]): number {
  let max = 0;
  for (const e of entities) {
    const t = e['tinyId'];
    if (typeof t === 'number' && t > max) max = t;
  }
  return max + 1;
}

/** What an alert or a case shows of the user it names: the served user, or null. */
export function userRef(user: Entity | undefined): Entity | null {
  return user === undefined ? null : userShape(user);
}
