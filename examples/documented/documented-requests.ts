// CaseBender's documented API, as a client written from docs.casebender.com would call it: each
// request is the reference page's own curl sample (its `<string>` placeholders filled with real
// values), and each expectation is what the page documents of the answer (status where shown,
// the fields of the Alert, Case and case-detail objects). Nothing here comes from the project's
// OpenAPI document: this is the documentation checking the mock, not the mock checking itself.
//
// Sources (paths under https://docs.casebender.com): /en/api-reference/endpoint/alert/alert-create,
// alert-attachments, update, create-case-from-alert; /ko/.../alert/merge-alert-with-case;
// /fr/.../alert/get; /en/.../case/create, get-by-id, update; /en/api-reference/introduction.

/** How a request presents its key: the three ways CaseBender's introduction pages document. */
export type Credential = { readonly kind: 'x-api-key'; readonly key: string } | { readonly kind: 'bearer'; readonly key: string } | { readonly kind: 'legacy'; readonly accessKey: string; readonly secret: string };

export function credentialHeaders(credential: Credential): Record<string, string> {
  switch (credential.kind) {
    case 'x-api-key':
      return { 'X-Api-Key': credential.key };
    case 'bearer':
      return { Authorization: `Bearer ${credential.key}` };
    case 'legacy':
      return { 'x-api-key': credential.accessKey, 'x-api-secret': credential.secret };
  }
}

/** The fields of the Alert object on the Create Alert, Create Alert with files and Merge pages. */
export const ALERT_FIELDS = [
  'id', 'tinyId', 'title', 'description', 'statusValue', 'status', 'count', 'severity', 'type', 'source', 'sourceRef', 'externalLink',
  'tlp', 'pap', 'customFields', 'createdAt', 'updatedAt', 'createdAtLabel', 'updatedAtLabel', 'severityColor', 'severityLabel',
  'teams', 'tags', 'organizations', 'assigneeId', 'createdById', 'deletedAt', 'observables', 'visibleToAllOrganizations',
  'primaryAlertId', 'case', 'assignee',
] as const;
/** The status object's fields (Alert.status; the workflow page's Label, Color, Stage, Can Delete, Value). */
export const STATUS_FIELDS = ['id', 'stage', 'label', 'color', 'value', 'canDelete'] as const;
/** The Case object of the en Create Case page. */
export const CASE_FIELDS = [
  'id', 'tinyId', 'title', 'description', 'statusValue', 'createdAt', 'updatedAt', 'deletedAt', 'severity', 'tlp', 'pap', 'createdById',
  'assigneeId', 'flag', 'source', 'sourceRef', 'type', 'visibleToAllOrganizations', 'primaryCaseId', 'clientId', 'slaConfigId',
  'slaDeadline', 'slaStatus', 'slaStartedAt', 'slaUpdatedAt', 'slaPausedAt', 'customFields', 'extraData', 'aiInsights',
] as const;
/** Get Case (en, fr): the case detail, with its nested objects. */
export const CASE_DETAIL_FIELDS = [
  'id', 'tinyId', 'title', 'description', 'statusValue', 'createdAt', 'updatedAt', 'severity', 'tlp', 'pap', 'deletedAt', 'createdById',
  'assigneeId', 'flag', 'visibleToAllOrganizations', 'severityColor', 'severityLabel', 'createdAtLabel', 'updatedAtLabel', 'customFields',
  'assignee', 'createdBy', 'tasks', 'observables',
] as const;
export const TASK_FIELDS = ['id', 'title', 'description', 'mandatory', 'assigneeId', 'flagged', 'dueDate', 'status', 'caseId', 'createdById', 'createdAt', 'updatedAt', 'deletedAt', 'assignee'] as const;
export const USER_FIELDS = ['id', 'email', 'firstName', 'lastName', 'image', 'createdAt', 'updatedAt', 'deletedAt', 'status'] as const;
export const CASE_OBSERVABLE_FIELDS = ['id', 'caseId', 'alertId', 'createdById', 'createdAt', 'observableTypeId', 'data', 'startDate', 'tlp'] as const;

/** The curl sample of Create Alert (en), placeholders filled. */
export const createAlertBody = (run: string) => ({
  title: `Suspicious login from a new country (${run})`,
  statusValue: 'new',
  severity: 2,
  description: 'Successful VPN login for j.doe from an unusual location.',
  count: 1,
  type: 'siem',
  source: 'splunk',
  sourceRef: `SPL-${run}`,
  externalLink: 'https://siem.example/alerts/42',
  tlp: 2,
  pap: 2,
  customFields: { businessUnit: 'finance' },
  teams: [{ id: 'team_soc' }],
  tags: [{ id: 123 }],
  organizations: [{ id: 'org_example' }],
  observables: [{ dataType: 'ip', data: '8.8.8.8' }],
  assigneeId: 'user_analyst00000002',
  clientId: 'client_1',
  clientName: 'Example Corp',
});

/** The Update Alert sample (en): `{"fields": {...}}`. */
export const updateAlertBody = {
  fields: {
    title: 'Suspicious login (triaged)',
    description: 'Confirmed with the user: travelling.',
    statusValue: 'in-progress',
    type: 'siem',
    source: 'splunk',
    sourceRef: 'SPL-updated',
    externalLink: 'https://siem.example/alerts/42',
    assigneeId: 'user_analyst00000003',
    severity: 2,
    tlp: 2,
    pap: 2,
    customFields: { businessUnit: 'finance' },
    teams: [{ id: 'team_soc' }],
    tags: [{ id: 123 }],
    organizations: [{ id: 'org_example' }],
    aiInsights: { riskScore: 12, category: 'account', recommendations: ['reset the password'], trendAnalysis: { trend: 'increasing', confidence: 0.4 } },
  },
};

/** Create Case from Alert (en): AlertInput plus `alertIds`. */
export const createCaseFromAlertBody = (alertIds: readonly string[]) => ({
  title: 'VPN login anomalies',
  statusValue: 'new',
  severity: 3,
  description: '',
  count: 1,
  tlp: 2,
  pap: 2,
  alertIds,
});

/** Create Case (en curl sample, placeholders filled; its severity 2.5 and pap 1.5 as the page sends them). */
export const createCaseBody = {
  title: 'Phishing campaign against finance',
  organizations: ['org_example'],
  visibleToAllOrganizations: false,
  description: 'Several users reported the same lure.',
  statusValue: 'new',
  severity: 2.5,
  tags: [{ id: 123 }],
  customFields: { businessUnit: 'finance' },
  tlp: 2,
  pap: 1.5,
  createdAt: '2026-11-30T09:00:00.000Z',
  clientId: 'client_1',
  clientName: 'Example Corp',
  slaConfig: { deadlineHours: 1, warningThresholdPercent: 50, criticalThresholdPercent: 50, businessHours: { enabled: true, start: '09:00', end: '17:00', timezone: 'UTC', workDays: [3] } },
};

/** The Update Case sample (en). */
export const updateCaseBody = {
  fields: {
    title: 'Phishing campaign against finance (contained)',
    description: 'Lure blocked at the gateway.',
    statusValue: 'in-progress',
    severity: 2,
    type: 'phishing',
    source: 'email-gateway',
    sourceRef: 'EG-1',
    externalLink: 'https://mail.example/incidents/1',
    tlp: 2,
    pap: 2,
    customFields: { businessUnit: 'finance' },
    teams: [{ id: 'team_soc' }],
    tags: [{ id: 123 }],
    organizations: [{ id: 'org_example' }],
    assigneeId: 'user_analyst00000002',
    aiInsights: {},
  },
};

/** The `alert` field of Create Alert with files: AlertInput as JSON, a file observable naming its upload. */
export const alertWithFilesDocument = (fileName: string) => ({
  title: 'Malware sample on a laptop',
  statusValue: 'new',
  severity: 3,
  tlp: 2,
  pap: 2,
  type: 'virus',
  customFields: { host: 'LT-0042' },
  observables: [
    { dataType: 'file', attachment: fileName },
    { dataType: 'ip', data: '8.8.8.8' },
  ],
});
