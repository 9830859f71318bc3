// What a fault is: a deliberately broken variant of the mock that breaks one contract requirement
// (or, where one mistake unavoidably breaks two, both, listed) the way a real deployment gets it
// wrong. Faults act from outside the core: wrapped stores, a replaced core rule, a wrapped
// handler, a request changed before or an answer changed after. The clean mock never sees them.
import type { Answer } from '../../contract/answer.js';
import { authenticate } from '../../contract/authenticate.js';
import { extractCredential } from '../../contract/credentials.js';
import type { RequestFacts, RequestHandler, Rules } from '../../contract/handle-request.js';
import type { Model } from '../../contract/model.js';
import type { KeyRecord } from '../../contract/types.js';
import type { KeyStore, LimiterStore, Stores } from '../../contract/store-types.js';

/** What a handler-wrapping fault may use. */
export interface FaultEnv {
  /** The mock's own stores (unwrapped). */
  readonly stores: Stores;
  readonly now: () => number;
  readonly model: Model;
  /** Another handler over the same model and rules, with stores changed (e.g. a second node's limiter). */
  handlerWith(change: (stores: Stores) => Stores): RequestHandler;
}

export interface Fault {
  readonly name: string;
  /** The requirement IDs it breaks: the suites must blame exactly these. */
  readonly breaks: readonly string[];
  readonly description: string;
  /** The key store changed; `now` is the mock's clock. */
  readonly keys?: (store: KeyStore, now: () => number) => KeyStore;
  readonly limiter?: (store: LimiterStore) => LimiterStore;
  readonly rules?: Partial<Rules>;
  readonly wrap?: (next: RequestHandler, env: FaultEnv) => RequestHandler;
  readonly before?: (facts: RequestFacts, stores: Stores, now: number) => Promise<RequestFacts> | RequestFacts;
  readonly after?: (answer: Answer, facts: RequestFacts) => Answer;
  /** Shows only across several worker processes (--workers): a single process cannot break it. */
  readonly multiProcess?: true;
}

/** The key a request's credential authenticates as now, by the core's own extraction and check; undefined when refused. */
export async function authenticatedKey(rawHeaders: readonly string[], stores: Stores, now: number): Promise<KeyRecord | undefined> {
  const credential = extractCredential(rawHeaders);
  let record: KeyRecord | undefined;
  if (credential.kind === 'bearer' || credential.kind === 'x-api-key') record = await stores.keys.findModern(credential.key);
  else if (credential.kind === 'legacy') record = await stores.keys.findLegacy(credential.accessKey, credential.secret);
  const identity = authenticate(credential, record, now, '');
  return identity.ok ? identity.value.key : undefined;
}

/** The request without any line of the header `name` (lower case). */
export const withoutHeader = (facts: RequestFacts, name: string): RequestFacts => {
  const raw: string[] = [];
  for (let i = 0; i + 1 < facts.rawHeaders.length; i += 2) if (facts.rawHeaders[i]!.toLowerCase() !== name) raw.push(facts.rawHeaders[i]!, facts.rawHeaders[i + 1]!);
  return { ...facts, rawHeaders: raw };
};

/** The values of every line of the header `name` (lower case). */
export const headerValues = (facts: RequestFacts, name: string): string[] => {
  const out: string[] = [];
  for (let i = 0; i + 1 < facts.rawHeaders.length; i += 2) if (facts.rawHeaders[i]!.toLowerCase() === name) out.push(facts.rawHeaders[i + 1]!);
  return out;
};

/** A key store whose records pass through `map`, and whose legacy lookup may be replaced. */
export const wrapKeys = (store: KeyStore, map: (r: KeyRecord | undefined) => KeyRecord | undefined, legacy?: (accessKey: string, secret: string) => Promise<KeyRecord | undefined>, modern?: (key: string) => Promise<KeyRecord | undefined>): KeyStore => ({
  findModern: async (key) => map(modern !== undefined ? await modern(key) : await store.findModern(key)),
  findLegacy: async (accessKey, secret) => map(legacy !== undefined ? await legacy(accessKey, secret) : await store.findLegacy(accessKey, secret)),
  get: (id) => store.get(id),
  list: () => store.list(),
  put: (record) => store.put(record),
});

/** An answer with its headers changed. */
export const withHeaders = (answer: Answer, change: (headers: Record<string, string>) => void): Answer => {
  const headers = { ...answer.headers };
  change(headers);
  return { ...answer, headers };
};

/** An answer's JSON body changed (answers without a JSON object body are left alone). */
export const withJsonBody = (answer: Answer, change: (body: Record<string, unknown>) => void): Answer => {
  if (answer.body === undefined) return answer;
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    return answer;
  }
  if (typeof body !== 'object' || body === null) return answer;
  change(body as Record<string, unknown>);
  return { ...answer, body: JSON.stringify(body) };
};
