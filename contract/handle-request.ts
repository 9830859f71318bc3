// The ordered pipeline of the contract (ERR-4): authenticate (401) -> rate limit (429) ->
// scope (403) -> TLP/PAP (403) -> validation (400) -> existence (404) -> act.
// Every rule it applies lives in a pure module of core/; this file only puts them in order.
// Both adapters (node:http, MSW) call it, so they cannot disagree about a rule. A store may answer
// synchronously (memory) or with a promise (Redis): a synchronous answer is used without an await,
// which would cost a trip through the microtask queue on every request.
import { failureAnswer, type Answer } from './answer.js';
import { authenticate } from './authenticate.js';
import { entityClearanceFailure, markingClearanceFailure, visibleTo, type Marked } from './clearance.js';
import { credentialMethod, extractCredential, type RawHeaders } from './credentials.js';
import type { Model } from './model.js';
import { unauthorized, insufficientScope } from './problem.js';
import { setRateLimitHeaders, tooManyRequests } from './rate-limit-headers.js';
import { isDeleted } from './entities.js';
import { act, type Target, type UploadedFile } from './resources.js';
import { createRouter, relativePath } from './router.js';
import { missingScopes } from './scopes.js';
import type { Failure, KeyRecord } from './types.js';
import type { Validators } from './validation.js';
import { isPending, type Collection, type Entity, type MaybePromise, type Stores } from './store-types.js';
import type { RateDecision } from './limits/index.js';

export interface RequestFacts {
  readonly method: string;
  /** The path as sent, without the query. */
  readonly pathname: string;
  readonly query: URLSearchParams;
  readonly rawHeaders: RawHeaders;
  /** The body as text, when one was sent. */
  readonly body?: string;
  readonly contentType?: string;
}

export interface Context {
  readonly model: Model;
  readonly validators: Validators;
  readonly stores: Stores;
  readonly now: () => number;
  /** Replacements of core rules; only the mock's fault injection (mock/faults) sets them. */
  readonly rules?: Partial<Rules>;
}

/** The core rules a fault may replace. */
export interface Rules {
  readonly visibleTo: typeof visibleTo;
  readonly missingScopes: typeof missingScopes;
  readonly markingClearanceFailure: typeof markingClearanceFailure;
  readonly entityClearanceFailure: typeof entityClearanceFailure;
}

const CORE_RULES: Rules = { visibleTo, missingScopes, markingClearanceFailure, entityClearanceFailure };

/** Answers synchronously when the stores do (memory), with a promise when they do not (Redis). */
export type RequestHandler = (request: RequestFacts) => MaybePromise<Answer>;

/** One step of the pipeline waiting on a store: the generator below yields only promises. */
type Pipeline = Generator<Promise<unknown>, Answer, unknown>;

/**
 * Runs the pipeline: synchronously while the stores answer synchronously, on promises from the
 * first store that answers with one. One copy of the rules for both kinds of store.
 */
function drive(pipeline: Pipeline, sent?: { value: unknown } | { error: unknown }): MaybePromise<Answer> {
  let step = sent === undefined ? pipeline.next() : 'error' in sent ? pipeline.throw(sent.error) : pipeline.next(sent.value);
  if (step.done) return step.value;
  return step.value.then(
    (value) => drive(pipeline, { value }),
    (error: unknown) => drive(pipeline, { error }),
  );
}

const ENTITY_COLLECTIONS = new Set<string>(['alerts', 'cases', 'observables', 'users']);

/** Builds the handler of API requests over a model, its validators and stores. */
export function createRequestHandler(context: Context): RequestHandler {
  const { model, stores, validators } = context;
  const { policy } = model;
  const route = createRouter(model.operations);
  // Resolved once: the clean mock calls the core's own functions, with no per-request choice.
  const rules: Rules = context.rules === undefined ? CORE_RULES : { ...CORE_RULES, ...context.rules };
  const { missingScopes: scopesMissing, entityClearanceFailure: entityFailure, markingClearanceFailure: markingFailure } = rules;
  const deprecationHeaders: Record<string, string> = { Deprecation: policy.legacy.deprecation, Link: policy.legacy.link };
  if (policy.legacy.sunset !== null) deprecationHeaders['Sunset'] = policy.legacy.sunset;

  return function handleRequest(request) {
    return drive(pipeline(request));
  };

  function* pipeline(request: RequestFacts): Pipeline {
    const relative = relativePath(request.pathname);
    if (relative === undefined) return failureAnswer({ status: 404, code: 'not_found', detail: 'No API path matches; the API lives under /api/v1 and /api.' });
    const match = route(request.method, relative);
    // The path is not echoed: a key pasted into a URL would come back in the answer.
    if (match.kind === 'not-found') return failureAnswer({ status: 404, code: 'not_found', detail: `No operation answers ${request.method} at this path.` });
    if (match.kind === 'method-not-allowed') {
      const answer = failureAnswer({ status: 405, code: 'method_not_allowed', detail: `${request.method} is not allowed here.` });
      answer.headers['Allow'] = match.allow;
      return answer;
    }
    const now = context.now();

    // 1. Authentication (CRED, PREC, LEG, KEY).
    const credential = extractCredential(request.rawHeaders);
    let record: KeyRecord | undefined;
    if (credential.kind === 'bearer' || credential.kind === 'x-api-key') {
      const found = stores.keys.findModern(credential.key);
      record = isPending(found) ? ((yield found) as KeyRecord | undefined) : found;
    } else if (credential.kind === 'legacy') {
      const found = stores.keys.findLegacy(credential.accessKey, credential.secret);
      record = isPending(found) ? ((yield found) as KeyRecord | undefined) : found;
    }
    const identity = authenticate(credential, record, now, policy.realm);
    // LEG-3: answers to the deprecated pair say so, whatever the outcome.
    const deprecation = credentialMethod(credential) === 'legacy' ? deprecationHeaders : undefined;
    // The limiter's decision, once taken: its headers go on every answer from then on (HDR-1).
    let decision: RateDecision | undefined;
    if (!identity.ok) return withHeaders(failureAnswer(identity.error), deprecation, decision);
    const key = identity.value.key;

    // 2. Rate limit (RL, HDR): every authenticated request counts, whatever its answer (RL-9).
    const tier = model.tiers[key.tier];
    if (tier === undefined) {
      return withHeaders(failureAnswer(unauthorized('invalid_key', 'The API key has an unknown tier.', policy.realm, true)), deprecation, decision);
    }
    // A store that answers later (Redis) reads the entity addressed while the limiter decides, in
    // the same round trip; the read changes nothing and is looked at only in step 4, in order.
    let readAhead: { readonly entity: MaybePromise<Entity | undefined> } | undefined;
    if (tier !== null) {
      const taken = stores.limiter.take(key.id, now, tier, policy.rateLimitAlgorithm);
      if (isPending(taken) && match.id !== undefined && ENTITY_COLLECTIONS.has(match.collection)) {
        const entity = stores.entities.get(match.collection as Collection, match.id);
        // A request answered before step 4 (429, 403) never waits on it: its failure is not unhandled.
        if (isPending(entity)) entity.catch(() => undefined);
        readAhead = { entity };
      }
      decision = isPending(taken) ? ((yield taken) as RateDecision) : taken;
      if (!decision.allowed) return withHeaders(failureAnswer(tooManyRequests(decision, key.tier)), deprecation, decision);
    }

    // 3. Scope (SCOPE-1..5): before existence and validation.
    const missing = scopesMissing(key.scopes, match.operation.scopes, policy);
    if (missing.length > 0) return withHeaders(failureAnswer(insufficientScope(missing, policy.realm, identity.value.method === 'bearer')), deprecation, decision);

    // 4. TLP/PAP clearance of the entity addressed (TLP-1, TLP-2).
    let target: Target | undefined;
    if (match.id !== undefined) {
      if (ENTITY_COLLECTIONS.has(match.collection)) {
        const got = readAhead !== undefined ? readAhead.entity : stores.entities.get(match.collection as Collection, match.id);
        const entity = isPending(got) ? ((yield got) as Entity | undefined) : got;
        if (entity !== undefined && !isDeleted(entity)) {
          const failure = entityFailure(key, entity);
          if (failure !== undefined) return withHeaders(failureAnswer(failure), deprecation, decision);
          target = { kind: 'entity', entity };
        }
      } else {
        const got = stores.keys.get(match.id);
        const found = isPending(got) ? ((yield got) as KeyRecord | undefined) : got;
        if (found !== undefined) target = { kind: 'key', record: found };
      }
    }

    // 5. Body: parsed, then the markings it asks for (TLP-4), then validated (TLP-5, 400).
    const form = validators.multipart.get(match.operation.id);
    const validate = form !== undefined ? form.validate : validators.bodies.get(match.operation.id);
    let body: unknown;
    let files: readonly UploadedFile[] | undefined;
    if (validate !== undefined) {
      let parsed: ParsedBody;
      if (form === undefined) parsed = parseJsonBody(request);
      else {
        const read = parseMultipartBody(request, form.field);
        parsed = isPending(read) ? ((yield read) as ParsedBody) : read;
      }
      if (!parsed.ok) return withHeaders(failureAnswer(parsed.error), deprecation, decision);
      body = parsed.value;
      files = parsed.files;
      const marks = markingsOf(body);
      const failure = marks === undefined ? undefined : markingFailure(key, marks);
      if (failure !== undefined) return withHeaders(failureAnswer(failure), deprecation, decision);
      const errors = validate(body, request.body?.length ?? 0);
      const unmatched = files === undefined || errors.length > 0 ? [] : unmatchedAttachments(body, files, form!.field);
      if (errors.length > 0 || unmatched.length > 0) {
        const found = errors.length > 0 ? errors : unmatched;
        // At most MAX_FIELD_ERRORS are listed: an error answer stays a small multiple of its request.
        const all = found.slice(0, MAX_FIELD_ERRORS);
        const more = found.length > all.length ? ` (and ${found.length - all.length} more)` : '';
        const detail = `The request body is invalid: ${all.map((e) => `${e.field} ${e.message}`).join('; ')}${more}.`;
        return withHeaders(failureAnswer({ status: 400, code: 'invalid_body', detail, errors: all }), deprecation, decision);
      }
    }

    // 6. Existence (404), then the operation itself.
    if (match.id !== undefined && target === undefined) {
      return withHeaders(failureAnswer({ status: 404, code: 'not_found', detail: `No ${match.collection.replace(/s$/, '')} has this id.` }), deprecation, decision);
    }
    const acted = act({
      operation: match.operation,
      key,
      target,
      body,
      query: request.query,
      now,
      context,
      ...(match.params !== undefined ? { params: match.params } : {}),
    });
    const answer = isPending(acted) ? ((yield acted) as Answer) : acted;
    return withHeaders(answer, deprecation, decision);
  }
}

/** Adds what every answer of the request carries: LEG-3's deprecation headers, then HDR-1's rate-limit headers. */
function withHeaders(answer: Answer, deprecation: Readonly<Record<string, string>> | undefined, decision: RateDecision | undefined): Answer {
  if (deprecation !== undefined) for (const name in deprecation) answer.headers[name] = deprecation[name]!;
  if (decision !== undefined) setRateLimitHeaders(answer.headers, decision);
  return answer;
}

type ParsedBody = { ok: true; value: unknown; files?: readonly UploadedFile[] } | { ok: false; error: Failure };

function parseJsonBody(request: RequestFacts): ParsedBody {
  const type = request.contentType?.split(';')[0]?.trim().toLowerCase();
  if (request.body === undefined || request.body === '') {
    return { ok: false, error: { status: 400, code: 'invalid_body', detail: 'This operation needs a JSON body.', errors: [{ field: '(body)', message: 'is required' }] } };
  }
  if (type !== undefined && type !== 'application/json' && !type.endsWith('+json')) {
    return { ok: false, error: { status: 415, code: 'unsupported_media_type', detail: 'Send the body as application/json.' } };
  }
  let value: unknown;
  try {
    value = JSON.parse(request.body);
  } catch {
    return { ok: false, error: { status: 400, code: 'invalid_json', detail: 'The request body is not valid JSON.', errors: [{ field: '(body)', message: 'is not valid JSON' }] } };
  }
  return tooDeep(value) ? { ok: false, error: bodyTooDeep() } : { ok: true, value };
}

/**
 * How deep a request's JSON may nest (REF). A body nested thousands of levels parses, but breaks
 * JSON.stringify (a stack overflow) once stored: every list that held it would answer 500 until
 * a restart. Refused before anything is looked at, let alone stored.
 */
export const MAX_JSON_DEPTH = 64;

const bodyTooDeep = (): Failure => ({ status: 400, code: 'body_too_deep', detail: `The request body nests deeper than ${MAX_JSON_DEPTH} levels.`, errors: [{ field: '(body)', message: `nests deeper than ${MAX_JSON_DEPTH} levels` }] });

/** Whether a parsed JSON value nests deeper than MAX_JSON_DEPTH (iteratively: no recursion to overflow). */
export function tooDeep(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > MAX_JSON_DEPTH) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node as object)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}

/**
 * A multipart/form-data body (Create Alert with files): the JSON document in `field`, parsed, and
 * the names and types of the files. Parsed by the platform's own `Response.formData()` (undici in
 * Node, the browser's in a service worker): the body is the text the adapter read, and only the
 * parts' names and the JSON field are used, so bytes a text decoding changed do not matter.
 */
function parseMultipartBody(request: RequestFacts, field: string): ParsedBody | Promise<ParsedBody> {
  const contentType = request.contentType ?? '';
  if (contentType.split(';')[0]?.trim().toLowerCase() !== 'multipart/form-data') {
    return { ok: false, error: { status: 415, code: 'unsupported_media_type', detail: 'Send the body as multipart/form-data.' } };
  }
  const invalid = (message: string): ParsedBody => ({
    ok: false,
    error: { status: 400, code: 'invalid_body', detail: `The request body is invalid: ${field} ${message}.`, errors: [{ field, message }] },
  });
  return new Response(request.body ?? '', { headers: { 'Content-Type': contentType } }).formData().then(
    (form): ParsedBody => {
      const document = form.get(field);
      if (typeof document !== 'string') return invalid('is required (a form field holding JSON)');
      let value: unknown;
      try {
        value = JSON.parse(document);
      } catch {
        return invalid('is not valid JSON');
      }
      if (tooDeep(value)) return { ok: false, error: bodyTooDeep() };
      const files: UploadedFile[] = [];
      for (const [, part] of form) if (typeof part !== 'string') files.push({ name: (part as File).name, type: part.type });
      return { ok: true, value, files };
    },
    () => ({ ok: false, error: { status: 400, code: 'invalid_body', detail: 'The request body is not valid multipart/form-data.', errors: [{ field: '(body)', message: 'is not valid multipart/form-data' }] } }),
  );
}

/** File observables whose `attachment` names no uploaded file. */
function unmatchedAttachments(body: unknown, files: readonly UploadedFile[], field: string): { field: string; message: string }[] {
  const names = new Set(files.map((f) => f.name));
  const observables = (body as { observables?: { dataType?: string; attachment?: string }[] }).observables ?? [];
  const out: { field: string; message: string }[] = [];
  observables.forEach((o, i) => {
    if (o.attachment !== undefined && !names.has(o.attachment)) out.push({ field: `${field}.observables.${i}.attachment`, message: `names no uploaded file (${JSON.stringify(o.attachment)})` });
    else if (o.dataType === 'file' && o.attachment === undefined) out.push({ field: `${field}.observables.${i}.attachment`, message: 'is required for a file observable' });
  });
  return out;
}

/** How many field errors a 400 lists (REF); the detail says how many more there were. */
export const MAX_FIELD_ERRORS = 20;

/** The TLP/PAP a create (`{tlp, pap}`) or update (`{fields: {tlp, pap}}`) body asks for. */
function markingsOf(body: unknown): Marked | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const fields = (body as { fields?: unknown }).fields;
  const source = typeof fields === 'object' && fields !== null ? fields : body;
  return source as Marked;
}
