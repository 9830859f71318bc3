// The suites' expectations: the very pipeline the mock runs (contract/), over stores built from
// the target profile instead of the mock's own. The contract's rules exist once. The entities sit
// in the contract's MemoryEntityStore, as the mock's do; the keys in a store of their own, because a
// deployment's keys may have any format: the mock's compact store finds a key by the id inside a
// CaseBender-format key, this one by the hash of the whole material.
import { referenceValidators, type Answer, createRequestHandler, type RequestFacts, hashSecret, secretMatches, type RateDecision, referenceModel, type Model, type KeyRecord, type TierTable, MemoryEntityStore, type KeyStore, type LimiterStore, type Stores } from '../../contract/index.js';
import type { ResolvedKey, ResolvedProfile } from './load-profile.js';
import type { Probe } from './http-client.js';

/** The model a profile describes: the reference, with the profile's tiers and policy over it. */
export function profileModel(profile: ResolvedProfile): Model {
  const p = profile.policy ?? {};
  return referenceModel({
    policy: {
      ...(p.adminImpliesAll !== undefined ? { adminImpliesAll: p.adminImpliesAll } : {}),
      ...(p.writeImpliesRead !== undefined ? { writeImpliesRead: p.writeImpliesRead } : {}),
      ...(p.rateLimitAlgorithm !== undefined ? { rateLimitAlgorithm: p.rateLimitAlgorithm } : {}),
    },
    ...(profile.tiers !== undefined ? { tiers: { ...referenceModel().tiers, ...profile.tiers } as TierTable } : {}),
    ...(p.operationScopes !== undefined ? { operationScopes: p.operationScopes } : {}),
  });
}

/** The record a profile key declares, as the core's authenticate() reads it. */
export function declaredRecord(key: ResolvedKey, model: Model): KeyRecord {
  const material = key.kind === 'modern' ? key.key : key.secret;
  const expiresAt = key.state === 'expired' ? 0 : key.expiresAt !== undefined ? Date.parse(key.expiresAt) : undefined;
  return {
    id: key.id ?? `profile:${key.name}`,
    name: key.name,
    kind: key.kind,
    tier: key.tier,
    scopes: key.scopes,
    tlpClearance: key.tlpClearance ?? model.policy.defaultTlpClearance,
    papClearance: key.papClearance ?? model.policy.defaultPapClearance,
    ...(expiresAt !== undefined ? { expiresAt } : {}),
    ...(key.state === 'revoked' ? { revokedAt: 0 } : {}),
    suspended: key.state === 'suspended',
    createdAt: 0,
    prefix: key.kind === 'modern' ? '' : key.accessKey,
    ...(key.kind === 'legacy' ? { accessKey: key.accessKey } : {}),
    ...(key.userId !== undefined ? { userId: key.userId } : {}),
    hash: hashSecret(material),
  };
}

/** A key store over the profile's keys: material compared whole, whatever its format. */
class ProfileKeyStore implements KeyStore {
  private readonly modern = new Map<string, KeyRecord>();
  private readonly legacy = new Map<string, KeyRecord>();
  private readonly byId = new Map<string, KeyRecord>();
  constructor(records: readonly KeyRecord[]) {
    for (const r of records) this.put(r);
  }
  findModern(key: string) {
    const r = this.modern.get(Buffer.from(hashSecret(key)).toString('hex'));
    return r !== undefined && secretMatches(key, r.hash) ? r : undefined;
  }
  findLegacy(accessKey: string, secret: string) {
    const r = this.legacy.get(accessKey);
    return r !== undefined && secretMatches(secret, r.hash) ? r : undefined;
  }
  get(id: string) {
    return this.byId.get(id);
  }
  list() {
    return [...this.byId.values()];
  }
  put(r: KeyRecord) {
    this.byId.set(r.id, r);
    if (r.kind === 'legacy') this.legacy.set(r.accessKey!, r);
    else this.modern.set(Buffer.from(r.hash).toString('hex'), r);
  }
}

/** The entities a profile declares (id and markings: all the pipeline reads of them). */
function declaredEntities(entities: ResolvedProfile['entities']): MemoryEntityStore {
  const store = new MemoryEntityStore();
  for (const e of entities ?? []) store.put(e.type, { id: e.id, ...(e.tlp !== undefined ? { tlp: e.tlp } : {}), ...(e.pap !== undefined ? { pap: e.pap } : {}) });
  return store;
}

/**
 * Rate limits are judged by the RL suites, not here: the oracle admits everything, and the
 * harness retries a 429 after its Retry-After before comparing.
 */
const admitAll: LimiterStore = {
  take: (): RateDecision => ({ allowed: true, limit: 0, remaining: 0, reset: 0, state: { minute: undefined, hour: undefined } }),
  peek: () => undefined,
};

export interface Expectation {
  readonly status: number;
  /** problem+json code, for 4xx. */
  readonly code?: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface Oracle {
  readonly model: Model;
  /** What the contract says the target answers to this probe. */
  expect(probe: Probe): Promise<Expectation>;
}

/** Splits a probe into the facts the core reads. */
export function probeFacts(probe: Probe, basePath = '/api/v1'): RequestFacts {
  const q = probe.path.indexOf('?');
  const raw: string[] = [];
  let contentType: string | undefined;
  for (const [n, v] of probe.headers ?? []) {
    raw.push(n, v);
    if (n.toLowerCase() === 'content-type') contentType = v;
  }
  return {
    method: probe.method,
    pathname: basePath + (q === -1 ? probe.path : probe.path.slice(0, q)),
    query: new URLSearchParams(q === -1 ? '' : probe.path.slice(q + 1)),
    rawHeaders: raw,
    ...(probe.body !== undefined ? { body: probe.body } : {}),
    ...(contentType !== undefined ? { contentType } : {}),
  };
}

export function createOracle(profile: ResolvedProfile, now: () => number = Date.now): Oracle {
  const model = profileModel(profile);
  const keys = new ProfileKeyStore(profile.keys.map((k) => declaredRecord(k, model)));
  const stores: Stores = { keys, limiter: admitAll, entities: declaredEntities(profile.entities), clear: () => undefined };
  const handle = createRequestHandler({ model, validators: referenceValidators(), stores, now });
  return {
    model,
    async expect(probe) {
      const answer: Answer = await handle(probeFacts(probe));
      let code: string | undefined;
      if (answer.status >= 400 && answer.body !== undefined) code = (JSON.parse(answer.body) as { code?: string }).code;
      return { status: answer.status, ...(code !== undefined ? { code } : {}), headers: answer.headers };
    },
  };
}
