// The mock's control API under /__mock/ (not part of CaseBender): mint, revoke, suspend and
// reinstate keys, read and move the clock, reset to the seed, switch faults. Guarded by its own token.
import { hashSecret, randomToken, secretMatches } from '../../contract/key-material.js';
import { emptyAnswer, failureAnswer, jsonAnswer, type Answer } from '../../contract/answer.js';
import type { RequestFacts } from '../../contract/handle-request.js';
import { mintKey } from '../../contract/mint-key.js';
import { keyView, materialView } from '../../contract/resources.js';
import type { KeyRecord } from '../../contract/types.js';
import type { MockApp } from '../app.js';
import { FAULTS } from '../faults/faults.js';

export const CONTROL_PREFIX = '/__mock';
export const CONTROL_TOKEN_HEADER = 'x-mock-token';

type Handler = (app: MockApp, body: Record<string, unknown>, id: string | undefined) => Promise<Answer> | Answer;

/** A Unix-ms instant that dates can show (JavaScript dates end at 8.64e15 ms). */
const isInstant = (ms: number): boolean => Number.isFinite(ms) && ms >= 0 && ms <= 8.64e15;

const bad = (detail: string): Answer => failureAnswer({ status: 400, code: 'invalid_control_request', detail });

const ROUTES: Record<string, Handler> = {
  'GET /keys': async (app) => {
    const now = app.clock.now();
    const records = await app.stores.keys.list();
    return jsonAnswer(200, { data: records.map((r) => keyView(r, now)) });
  },
  'POST /keys': async (app, body) => {
    const spec = keySpec(app, body);
    if (typeof spec === 'string') return bad(spec);
    const now = app.clock.now();
    const minted = mintKey(spec, now, { tlp: app.model.policy.defaultTlpClearance, pap: app.model.policy.defaultPapClearance });
    await app.stores.keys.put(minted.record);
    return jsonAnswer(201, { ...keyView(minted.record, now), ...materialView(minted.material) });
  },
  'POST /keys/{id}/revoke': (app, _b, id) => changeKey(app, id!, (r, now) => ({ ...r, revokedAt: r.revokedAt ?? now })),
  'POST /keys/{id}/suspend': (app, _b, id) => changeKey(app, id!, (r) => ({ ...r, suspended: true })),
  'POST /keys/{id}/reinstate': (app, _b, id) => changeKey(app, id!, (r) => ({ ...r, suspended: false })),
  'GET /clock': (app) => clockAnswer(app),
  'PUT /clock': (app, body) => {
    if (app.clock.mode !== 'virtual') return failureAnswer({ status: 409, code: 'clock_not_virtual', detail: 'Only a virtual clock can be set; start the mock with --clock virtual.' });
    const at = typeof body['now'] === 'string' ? Date.parse(body['now']) : body['now'];
    if (typeof at !== 'number' || !isInstant(at)) return bad('now must be Unix milliseconds or an ISO 8601 date-time, within the years 1970 to 275759.');
    app.clock.set(at);
    return clockAnswer(app);
  },
  'POST /clock/advance': (app, body) => {
    if (app.clock.mode !== 'virtual') return failureAnswer({ status: 409, code: 'clock_not_virtual', detail: 'Only a virtual clock can be advanced; start the mock with --clock virtual.' });
    const ms = body['ms'];
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return bad('ms must be a non-negative number of milliseconds.');
    if (!isInstant(app.clock.now() + ms)) return bad('ms would move the clock past the last instant a date can hold.');
    app.clock.advance(ms);
    return clockAnswer(app);
  },
  // Fault injection (mock/faults): which deliberately broken variant answers the API.
  'GET /faults': (app) => faultsAnswer(app),
  'PUT /faults': (app, body) => {
    const names = body['faults'];
    if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) return bad('faults must be an array of fault names ([] for the clean mock); GET /__mock/faults lists them.');
    try {
      app.setFaults(names as string[]);
    } catch (error) {
      return bad(`${(error as Error).message}.`);
    }
    return faultsAnswer(app);
  },
  'POST /reset': async (app) => {
    await app.reset();
    return emptyAnswer(204);
  },
};

function faultsAnswer(app: MockApp): Answer {
  return jsonAnswer(200, { faults: app.faults, known: FAULTS.map((f) => ({ name: f.name, breaks: f.breaks, description: f.description })) });
}

function clockAnswer(app: MockApp): Answer {
  const now = app.clock.now();
  return jsonAnswer(200, { now, iso: new Date(now).toISOString(), mode: app.clock.mode, timeScale: app.clock.scale });
}

async function changeKey(app: MockApp, id: string, change: (r: KeyRecord, now: number) => KeyRecord): Promise<Answer> {
  const record = await app.stores.keys.get(id);
  if (record === undefined) return failureAnswer({ status: 404, code: 'not_found', detail: `No key has the id ${JSON.stringify(id.slice(0, 64))}.` });
  const now = app.clock.now();
  const next = change(record, now);
  await app.stores.keys.put(next);
  return jsonAnswer(200, keyView(next, now));
}

function keySpec(app: MockApp, body: Record<string, unknown>) {
  const { kind = 'modern', tier, scopes, name = `control-${randomToken(6)}`, tlpClearance, papClearance, expiresAt, userId, description } = body;
  if (kind !== 'modern' && kind !== 'legacy') return 'kind must be "modern" or "legacy".';
  if (typeof tier !== 'string' || !(tier in app.model.tiers)) return `tier must be one of ${Object.keys(app.model.tiers).join(', ')}.`;
  if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string')) return 'scopes must be an array of strings (unknown scopes are allowed: they grant nothing).';
  if (typeof name !== 'string' || name === '') return 'name must be a non-empty string.';
  for (const [field, v] of [['tlpClearance', tlpClearance], ['papClearance', papClearance]] as const) {
    if (v !== undefined && !(Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 4)) return `${field} must be an integer from 0 to 4.`;
  }
  const expires = typeof expiresAt === 'string' ? Date.parse(expiresAt) : expiresAt;
  if (expires !== undefined && (typeof expires !== 'number' || !isInstant(expires))) return 'expiresAt must be Unix milliseconds or an ISO 8601 date-time, within the years 1970 to 275759.';
  if (userId !== undefined && typeof userId !== 'string') return 'userId must be a string.';
  if (description !== undefined && typeof description !== 'string') return 'description must be a string.';
  return {
    name,
    kind,
    tier,
    scopes: scopes as string[],
    ...(tlpClearance !== undefined ? { tlpClearance: tlpClearance as number } : {}),
    ...(papClearance !== undefined ? { papClearance: papClearance as number } : {}),
    ...(expires !== undefined ? { expiresAt: expires as number } : {}),
    ...(userId !== undefined ? { userId: userId as string } : {}),
    ...(description !== undefined ? { description: description as string } : {}),
  } as const;
}

const safeDecode = (s: string): string => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/**
 * The control API's handler; every request must carry the token in `X-Mock-Token`. Given the
 * token's hash only (a replica that joined a shared store), it checks against that.
 */
export function createControlHandler(app: MockApp, token: string | { readonly hash: Uint8Array }): (request: RequestFacts, relative: string) => Promise<Answer> {
  const tokenHash = typeof token === 'string' ? hashSecret(token) : token.hash;
  return async (request, relative) => {
    let presented: string | undefined;
    for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
      if (request.rawHeaders[i]!.toLowerCase() === CONTROL_TOKEN_HEADER) presented = request.rawHeaders[i + 1];
    }
    if (presented === undefined || !secretMatches(presented.trim(), tokenHash)) {
      return failureAnswer({ status: 401, code: 'control_token_required', detail: 'The control API needs the token printed at start, in X-Mock-Token.' });
    }
    const parts = relative.split('/');
    const id = parts.length === 4 && parts[1] === 'keys' ? safeDecode(parts[2]!) : undefined;
    const pattern = id === undefined ? relative : `/keys/{id}/${parts[3]}`;
    const handler = ROUTES[`${request.method} ${pattern}`];
    if (handler === undefined) return failureAnswer({ status: 404, code: 'not_found', detail: `No control operation at ${request.method} ${CONTROL_PREFIX}${relative}.` });
    let body: Record<string, unknown> = {};
    if (request.body !== undefined && request.body !== '') {
      try {
        const parsed: unknown = JSON.parse(request.body);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return bad('The body must be a JSON object.');
        body = parsed as Record<string, unknown>;
      } catch {
        return bad('The body is not valid JSON.');
      }
    }
    return handler(app, body, id);
  };
}
