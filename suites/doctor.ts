// `casebender doctor`: a profile checked against its deployment before a run (#20), with no load:
// at most 100 requests, all reads. For every key: does it authenticate as declared (the oracle's
// answer for its declared state and scopes against the deployment's), does X-RateLimit-Limit match
// its declared tier, does it lack a scope it does not declare; do the declared entities exist with
// their markings; then which requirements will run and which will be skipped, with the key or
// entity to add (suites/harness/key-kinds.ts), and the load's estimate.
import { integerOption, parseOptions, UsageError } from '../cli/args.js';
import { REQUIREMENT_IDS, type ProfileKey, missingScopes, type Model } from '../contract/index.js';
import { createClient, header, jsonBody, networkReason, TargetUnreachable, type Client, type Exchange } from './harness/http-client.js';
import { probe, READ_PATHS } from './harness/expect.js';
import { functionalBase, functionalKinds, rateLimitKinds, READ_SCOPES, WRITE_SCOPES, type KeyKind } from './harness/key-kinds.js';
import { credentialHeaders, stateOf } from './harness/keyring.js';
import { declaresSpec } from './harness/key-admin.js';
import { ProfileError, readProfileFile, resolveProfile, type ResolvedKey, type ResolvedProfile } from './harness/load-profile.js';
import { createOracle, profileModel } from './harness/oracle.js';
import { targetTime } from './harness/target-time.js';
import { estimateLoad } from './ratelimit/observations.js';

export const DOCTOR_USAGE = `Usage: casebender doctor --profile FILE [options]

Checks a profile against its deployment before a run, with no load (at most 100 requests, all
reads, or creates with an empty body, which are refused and store nothing): that every key authenticates as declared (state), that X-RateLimit-Limit matches its
declared tier, that its declared scopes hold and it has none it does not declare; that declared
entities exist with their TLP/PAP. Then lists the requirements that will run, those that will be
skipped with the key or entity to add, and the estimated load of --quick and --full.

Options:
  --profile FILE   the profile (JSON, or YAML as casebender init writes it)
  --target URL     the API base (overrides the profile's)
  --timeout MS     per request (default 10000)
  -h, --help       show this help

Exit codes: 0 ready, 1 something declared is wrong (or a key's material is not set),
2 a usage or profile error, or an unreachable target.`;

const MAX_REQUESTS = 100;
const KNOWN_SCOPES = new Set<string>([...READ_SCOPES, ...WRITE_SCOPES]);
const ids: readonly string[] = REQUIREMENT_IDS;

export interface KeyFinding {
  readonly key: string;
  readonly ok: boolean | undefined;
  readonly text: string;
}

export interface DoctorReport {
  readonly keys: KeyFinding[];
  readonly entities: KeyFinding[];
  /** Requirement id → why it will be skipped. */
  readonly skipped: Map<string, string>;
  readonly willRun: number;
  readonly requests: number;
  readonly ready: boolean;
  readonly estimate: { quick: { requests: number; seconds: number }; full: { requests: number; seconds: number } };
  /** With a way to make keys (the control API, or a keyAdmin that takes a tier and scopes): what --provision would skip. */
  readonly provision?: { readonly via: string; readonly skipped: Map<string, string> };
}

/** The tier whose per-minute figure a limit is, for a message. */
const tierOf = (model: Model, limit: string | undefined) => Object.entries(model.tiers).find(([, t]) => t !== null && String(t.perMinute) === limit)?.[0];

async function checkKey(client: Client, key: ResolvedKey, profile: ResolvedProfile, model: Model, oracle: ReturnType<typeof createOracle>, budget: () => boolean): Promise<KeyFinding> {
  const headers = credentialHeaders(key);
  const declared = `${stateOf(key)}, ${key.tier}`;
  // A read its declared scopes allow (else the first: a refusal then shows it authenticates).
  // Lists only: /users/me depends on a key's user, which a deployment may bind otherwise.
  const expectations = await Promise.all(READ_PATHS.filter((p) => p !== '/users/me').map(async (path) => ({ path, expected: await oracle.expect(probe('GET', path, headers)) })));
  // The read that needs the most particular declared scope (admin's first): a scope declared but not held shows.
  const allowed = [...expectations].reverse().find((e) => e.expected.status === 200) ?? expectations[0]!;
  if (!budget()) return { key: key.name, ok: undefined, text: 'not checked: the doctor sends at most 100 requests' };
  const answer = await client.send(probe('GET', allowed.path, headers));
  if (answer.status === 429) return { key: key.name, ok: undefined, text: `limited right now (429, Retry-After ${header(answer, 'retry-after') ?? '?'}): not judged` };
  if (answer.status !== allowed.expected.status) {
    const why = answer.status === 401 ? 'the deployment does not take it: wrong material, or not active' : allowed.expected.status === 401 ? `declared ${stateOf(key)}, but the deployment takes it` : `declared scopes ${key.scopes.join(' ') || '(none)'}`;
    return { key: key.name, ok: false, text: `declared ${declared}: GET ${allowed.path} answered ${answer.status}, expected ${allowed.expected.status} (${why})` };
  }
  if (stateOf(key) !== 'active') return { key: key.name, ok: true, text: `${stateOf(key)}: refused 401 as declared` };
  // The tier: X-RateLimit-Limit is the tier's per-minute figure; an Unlimited key gets none.
  const limits = model.tiers[key.tier];
  const limit = header(answer, 'x-ratelimit-limit');
  if (limits === undefined) return { key: key.name, ok: false, text: `declared tier "${key.tier}" is not a tier of the profile (${Object.keys(model.tiers).join(', ')})` };
  if (limits === null && limit !== undefined) return { key: key.name, ok: false, text: `declared ${key.tier} (no limit), but X-RateLimit-Limit says ${limit}${tierOf(model, limit) !== undefined ? ` (the ${tierOf(model, limit)} tier)` : ''}` };
  if (limits !== null && limit !== String(limits.perMinute)) {
    return { key: key.name, ok: false, text: `declared tier ${key.tier} (m = ${limits.perMinute}), but X-RateLimit-Limit says ${limit ?? 'nothing'}${limit !== undefined && tierOf(model, limit) !== undefined ? ` (the ${tierOf(model, limit)} tier)` : ''}` };
  }
  // A scope it does not declare: a read its declared scopes refuse (403) must be refused.
  const refused = expectations.find((e) => e.expected.status === 403 && e.path !== allowed.path);
  if (refused !== undefined && budget()) {
    const other = await client.send(probe('GET', refused.path, headers));
    if (other.status >= 200 && other.status < 300) return { key: key.name, ok: false, text: `declared scopes ${key.scopes.join(' ') || '(none)'}, but GET ${refused.path} answered ${other.status} (expected 403: a scope it is not declared with)` };
  }
  // A declared write scope: a create with an empty body is refused 400 with the scope, 403 without (a refused write, nothing stored).
  const write = WRITE_SCOPES.find((s) => key.scopes.includes(s));
  let wrote = '';
  if (write !== undefined && budget()) {
    const path = `/${write.split(':')[0]}`;
    const expected = await oracle.expect(probe('POST', path, headers, {}));
    const answer2 = await client.send(probe('POST', path, headers, {}));
    if (answer2.status !== expected.status && answer2.status !== 429) return { key: key.name, ok: false, text: `declared ${write}: POST ${path} {} answered ${answer2.status}, expected ${expected.status}${expected.status === 400 ? ' (refused for its body, the scope held)' : ''}` };
    wrote = `; POST ${path} {} ${answer2.status}`;
  }
  return { key: key.name, ok: true, text: `${declared}; GET ${allowed.path} ${answer.status}${limits === null ? '' : `, X-RateLimit-Limit ${limit}`}${refused !== undefined ? `; GET ${refused.path} refused as declared` : ''}${wrote}` };
}

/** An entity as the deployment has it, read with a key of full clearance. */
async function checkEntity(client: Client, entity: NonNullable<ResolvedProfile['entities']>[number], readers: readonly ResolvedKey[], model: Model): Promise<KeyFinding> {
  const name = `${entity.type}/${entity.id}`;
  const reader = readers.find((k) => (k.scopes.includes(`${entity.type}:read`) || (model.policy.adminImpliesAll && k.scopes.includes('admin:*'))) && (k.tlpClearance ?? 4) === 4 && (k.papClearance ?? 4) === 4);
  if (reader === undefined) return { key: name, ok: undefined, text: `not checked: no active key with ${entity.type}:read and full clearance` };
  const answer = await client.send(probe('GET', `/${entity.type}/${encodeURIComponent(entity.id)}`, credentialHeaders(reader)));
  if (answer.status === 429) return { key: name, ok: undefined, text: `not judged: ${reader.name} is limited right now (429)` };
  if (answer.status === 404) return { key: name, ok: false, text: `does not exist (GET answered 404 to ${reader.name}, a key of full clearance)` };
  if (answer.status !== 200) return { key: name, ok: false, text: `GET answered ${answer.status} to ${reader.name}, a key of full clearance` };
  const body = jsonBody(answer);
  const differs = (['tlp', 'pap'] as const).filter((m) => entity[m] !== undefined && body?.[m] !== undefined && body[m] !== entity[m]);
  if (differs.length > 0) return { key: name, ok: false, text: `declared ${differs.map((m) => `${m} ${entity[m]}`).join(', ')}; the deployment has ${differs.map((m) => `${m} ${String(body![m])}`).join(', ')}` };
  return { key: name, ok: true, text: `exists${entity.tlp !== undefined ? `, tlp ${entity.tlp}` : ''}${entity.pap !== undefined ? `, pap ${entity.pap}` : ''}` };
}

/** Which requirements the keys that passed leave skipped, and the key to add for each. */
export function skippedRequirements(profile: ResolvedProfile, model: Model, usable: readonly ProfileKey[], provisioned = false): Map<string, string> {
  const skipped = new Map<string, string>();
  const spread = (profile.target.extraBaseUrls ?? []).length > 0;
  // TLP-1 and TLP-2 read a declared entity marked above a restricted key's clearance.
  const entities = (profile.entities ?? []).filter((e) => e.type !== 'users');
  const restricted = (m: 'tlp' | 'pap') => {
    const field = m === 'tlp' ? 'tlpClearance' : 'papClearance';
    const levels = usable.filter((k) => stateOf(k as ResolvedKey) === 'active' && (k[field] ?? 4) < 4).map((k) => k[field]!);
    // Made by --provision: the tlp-green and pap-amber kinds.
    if (provisioned) levels.push(m === 'tlp' ? 1 : 2);
    return levels.length === 0 ? undefined : Math.min(...levels);
  };
  for (const [id, m] of [['TLP-1', 'tlp'], ['TLP-2', 'pap']] as const) {
    const level = restricted(m);
    if (level !== undefined && !entities.some((e) => e[m] !== undefined && e[m]! > level)) skipped.set(id, `needs an entity declared with ${m} above ${level}, the lowest ${m === 'tlp' ? 'TLP' : 'PAP'} clearance among the keys (e.g. { type: alerts, id: …, ${m}: ${Math.min(4, level + 2)} })`);
  }
  if (provisioned) {
    // --provision makes every kind of key the run needs: only what no key gives stays skipped.
    skipped.set('RL-4', 'the hour cap is checked with --full only');
    if (!spread) skipped.set('RL-10', 'needs target.extraBaseUrls: the other base URLs of the deployment');
    return skipped;
  }
  const functional = functionalKinds(model);
  const has = (kind: KeyKind) => usable.some((k) => kind.matches(k, model));
  const like = (kind: KeyKind) => `a key like "${kind.name}" (${kind.kind}, scopes ${kind.scopes.join(' ') || '(none)'}${kind.tlpClearance !== undefined ? `, tlpClearance ${kind.tlpClearance}` : ''}${kind.papClearance !== undefined ? `, papClearance ${kind.papClearance}` : ''}${kind.state !== undefined ? `, state ${kind.state}` : ''}): ${kind.what}`;
  const base = functional.find((k) => k.base === true)!;
  if (!has(base) && !usable.some((k) => k.kind === 'modern' && stateOf(k as ResolvedKey) === 'active' && missingScopes(k.scopes, ['alerts:read'], model.policy).length === 0)) {
    for (const id of functionalBase(functional, ids)) skipped.set(id, `needs ${like(base)}`);
  }
  // Keys made mid-run stand in for declared ones: the control API makes expired, revoked and
  // suspended keys; a keyAdmin revokes (KEY-3) and suspends (KEY-4) a key it makes.
  const madeMidRun = new Set<string>(profile.target.control !== undefined ? ['KEY-2', 'KEY-3', 'KEY-4'] : [...(profile.keyAdmin?.revoke !== undefined ? ['KEY-3'] : []), ...(profile.keyAdmin?.suspend !== undefined && profile.keyAdmin.reinstate !== undefined ? ['KEY-4'] : [])]);
  for (const id of new Set(functional.filter((k) => k.base !== true).flatMap((k) => k.enables))) {
    const enablers = functional.filter((k) => k.enables.includes(id));
    if (!enablers.some(has) && !madeMidRun.has(id)) skipped.set(id, `needs ${enablers.map(like).join(', or ')}`);
  }
  // The scope matrix and the scope order need a key that lacks some scope of the API: admin:* alone
  // (which implies every scope) does not, a read-write key (no admin:*) does.
  const lacksSome = usable.some((k) => stateOf(k as ResolvedKey) === 'active' && model.operations.some((o) => missingScopes(k.scopes, o.scopes, model.policy).length > 0) && k.scopes.some((x) => KNOWN_SCOPES.has(x)));
  if (!lacksSome && !skipped.has('SCOPE-1')) for (const id of ['SCOPE-1', 'SCOPE-5', 'SCOPE-6']) skipped.set(id, `needs an active key with some scopes but not all (e.g. ${like(base)}): admin:* alone implies every scope`);
  skipped.set('RL-4', 'the hour cap is checked with --full only');
  if (!spread) skipped.set('RL-10', 'needs target.extraBaseUrls: the other base URLs of the deployment');
  // The control API mints the load's keys; otherwise each is a profile key taken once, in the load's order.
  if (profile.target.control === undefined) {
    const free = [...usable];
    const satisfied = new Set<KeyKind>();
    const short = new Map<KeyKind, number>();
    for (const kind of rateLimitKinds(model, { spread })) {
      let got = 0;
      for (let i = 0; i < kind.count; i++) {
        const at = free.findIndex((k) => kind.matches(k, model));
        if (at === -1) break;
        free.splice(at, 1);
        got++;
      }
      if (got === kind.count) satisfied.add(kind);
      else short.set(kind, kind.count - got);
    }
    const needs = new Map<string, string[]>();
    for (const [kind, missing] of short) {
      for (const id of kind.enables) {
        if ([...satisfied].some((k) => k.enables.includes(id))) continue;
        needs.set(id, [...(needs.get(id) ?? []), `${missing} more unused active key${missing === 1 ? '' : 's'} of the ${kind.tier} tier with ${kind.scopes.includes('alerts:write') ? 'alerts:read and alerts:write' : 'alerts:read'} (${kind.what})`]);
      }
    }
    for (const [id, what] of needs) skipped.set(id, `needs ${what.join('; or ')}`);
  }
  return skipped;
}

export interface DoctorOptions {
  /** Required unless help is asked for. */
  readonly profile?: string;
  readonly target?: string;
  readonly timeoutMs: number;
  readonly help: boolean;
}

/** Parses `casebender doctor` arguments; throws UsageError with one clear line. */
export function parseDoctorArgs(argv: readonly string[]): DoctorOptions {
  const values = parseOptions(argv, { profile: { type: 'string' }, target: { type: 'string' }, timeout: { type: 'string', default: '10000' }, help: { type: 'boolean', short: 'h', default: false } });
  if (!values.help && values.profile === undefined) throw new UsageError('--profile FILE is required (casebender init writes one)');
  const timeoutMs = integerOption('timeout', values.timeout, { min: 100 });
  return { ...(values.profile !== undefined ? { profile: values.profile } : {}), ...(values.target !== undefined ? { target: values.target } : {}), timeoutMs, help: values.help };
}

/**
 * The profile, --target put in; keys whose material is not in the environment are left out and
 * reported (not fatal: the rest is checked). Throws when the profile cannot be read or resolved.
 */
export function loadDoctorProfile(file: string, target: string | undefined, env: NodeJS.ProcessEnv): { profile: ResolvedProfile; missing: KeyFinding[] } {
  const missing: KeyFinding[] = [];
  const raw = readProfileFile(file) as { keys?: Record<string, unknown>[]; target?: { baseUrl?: string } };
  if (Array.isArray(raw?.keys)) {
    raw.keys = raw.keys.filter((k) => {
      const unset = (['keyEnv', 'accessKeyEnv', 'secretEnv'] as const).map((f) => k[f]).filter((v): v is string => typeof v === 'string' && (env[v] === undefined || env[v] === ''));
      if (unset.length > 0) missing.push({ key: String(k['name']), ok: false, text: `its material is not set: ${unset.join(', ')}` });
      return unset.length === 0;
    });
  }
  if (target !== undefined && raw?.target !== undefined) raw.target.baseUrl = target;
  return { profile: resolveProfile(raw, file, env), missing };
}

/** Checks the declared keys and entities against the deployment, then what a run would do with them. */
async function examine(client: Client, profile: ResolvedProfile, model: Model, oracle: ReturnType<typeof createOracle>, missing: readonly KeyFinding[]): Promise<DoctorReport> {
  const budget = () => client.sent() < MAX_REQUESTS;
  const keys: KeyFinding[] = [...missing];
  for (const key of profile.keys) keys.push(await checkKey(client, key, profile, model, oracle, budget));
  const wrongKeys = new Set(keys.filter((k) => k.ok === false).map((k) => k.key));
  const usable = profile.keys.filter((k) => !wrongKeys.has(k.name));
  const entities: KeyFinding[] = [];
  // The roomiest readers first (Unlimited, then the highest tier): a limited one runs out.
  const room = (k: ResolvedKey) => (model.tiers[k.tier] === null ? Infinity : (model.tiers[k.tier]?.perMinute ?? 0));
  const readers = usable.filter((k) => stateOf(k) === 'active').sort((a, b) => room(b) - room(a));
  for (const entity of profile.entities ?? []) entities.push(budget() ? await checkEntity(client, entity, readers, model) : { key: `${entity.type}/${entity.id}`, ok: undefined, text: 'not checked: the doctor sends at most 100 requests' });
  const skipped = skippedRequirements(profile, model, usable);
  // With a way to make keys (the control API, or a keyAdmin whose create takes a tier and scopes), --provision makes the rest.
  const maker = profile.target.control !== undefined ? 'the control API' : profile.keyAdmin !== undefined && declaresSpec(profile.keyAdmin) ? 'the profile’s keyAdmin' : undefined;
  const provision = maker !== undefined && skipped.size > 2 ? { via: maker, skipped: skippedRequirements(profile, model, usable, true) } : undefined;
  const limited = Object.values(model.tiers).filter((t) => t !== null);
  const time = targetTime(profile.clock?.timeScale ?? 1);
  const spread = (profile.target.extraBaseUrls ?? []).length > 0;
  const estimate = { quick: estimateLoad(limited, time, spread), full: estimateLoad(limited, time, spread, undefined, true) };
  const wrong = [...keys, ...entities].filter((f) => f.ok === false).length;
  return { keys, entities, skipped, willRun: ids.length - skipped.size, requests: client.sent(), ready: wrong === 0, estimate, ...(provision !== undefined ? { provision } : {}) };
}

/** The report as the doctor prints it, after its target line. */
export function reportLines(report: DoctorReport): string[] {
  const lines: string[] = [];
  const out = (line: string) => void lines.push(line);
  const { keys, entities, skipped } = report;
  const mark = (f: KeyFinding) => (f.ok === true ? 'ok   ' : f.ok === false ? 'WRONG' : 'note ');
  out(`keys (${keys.length} declared):`);
  for (const f of keys) out(`  ${mark(f)} ${f.key.padEnd(24)} ${f.text}`);
  if (entities.length > 0) {
    // Many entities (a mock's profile lists its whole seed): the ones as declared are counted, not listed.
    const fine = entities.filter((f) => f.ok === true);
    out(`entities (${entities.length} declared${entities.length > 10 ? `; ${fine.length} as declared` : ''}):`);
    const unchecked = entities.filter((f) => f.ok === undefined && f.text.includes('at most 100 requests'));
    for (const f of entities) if (entities.length <= 10 || (f.ok !== true && !unchecked.includes(f))) out(`  ${mark(f)} ${f.key.padEnd(24)} ${f.text}`);
    if (entities.length > 10 && unchecked.length > 0) out(`  note  ${unchecked.length} more not checked: the doctor sends at most 100 requests`);
  }
  out(`requirements: ${report.willRun} will run, ${skipped.size} will be skipped`);
  const areas = new Map<string, string[]>();
  for (const id of ids) if (!skipped.has(id)) areas.set(id.split('-')[0]!, [...(areas.get(id.split('-')[0]!) ?? []), id]);
  out(`  will run:`);
  for (const [area, which] of areas) out(`  ${area.padEnd(9)} ${which.join(', ')}`);
  if (skipped.size > 0) out('  will be skipped:');
  // Requirements skipped for the same reason share a line.
  const byReason = new Map<string, string[]>();
  for (const [id, why] of [...skipped].sort((a, b) => ids.indexOf(a[0]) - ids.indexOf(b[0]))) byReason.set(why, [...(byReason.get(why) ?? []), id]);
  for (const [why, which] of byReason) out(`  ${which.join(', ').padEnd(9)} ${why}`);
  if (report.provision !== undefined) {
    const after = report.provision.skipped;
    out(`with --provision (keys made through ${report.provision.via} and revoked at the end): ${ids.length - after.size} will run, ${after.size} will be skipped (${[...after.keys()].join(', ')})`);
  }
  const { quick, full } = report.estimate;
  const minutes = (s: number) => (s < 120 ? `${s} s` : `${Math.round(s / 60)} min`);
  out(`load: --quick about ${quick.requests} requests over ${minutes(quick.seconds)}; --full about ${full.requests} over ${minutes(full.seconds)} (plus about 700 for the functional areas)`);
  const wrong = [...keys, ...entities].filter((f) => f.ok === false).length;
  out(`${report.requests} requests sent. ${wrong === 0 ? 'READY' : `NOT READY: ${wrong} declaration${wrong === 1 ? ' is' : 's are'} wrong or without material`}`);
  return lines;
}

export async function runDoctorCommand(argv: readonly string[], out: (line: string) => void = console.log, err: (line: string) => void = console.error, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let options: DoctorOptions;
  try {
    options = parseDoctorArgs(argv);
  } catch (error) {
    err(`casebender doctor: ${(error as Error).message}\nRun "casebender doctor --help" for the options.`);
    return 2;
  }
  if (options.help) {
    out(DOCTOR_USAGE);
    return 0;
  }
  let loaded: ReturnType<typeof loadDoctorProfile>;
  try {
    loaded = loadDoctorProfile(options.profile!, options.target, env);
  } catch (error) {
    err(`casebender doctor: ${(error as Error).message}`);
    return 2;
  }
  const { profile, missing } = loaded;
  const model = profileModel(profile);
  const oracle = createOracle(profile);
  const client = createClient({ baseUrl: profile.target.baseUrl, budget: MAX_REQUESTS, timeoutMs: options.timeoutMs });
  try {
    out(`casebender doctor: ${profile.target.baseUrl} (profile ${options.profile})`);
    let first: Exchange;
    try {
      first = await client.send(probe('GET', '/alerts?limit=1', []));
    } catch (error) {
      const reason = error instanceof TargetUnreachable ? error.message : networkReason(error as NodeJS.ErrnoException);
      err(`casebender doctor: the target does not answer: ${reason}`);
      return 2;
    }
    out(`target: GET /alerts?limit=1 without a key answered ${first.status}${first.status === 401 ? '' : ' (expected 401: is this the API base?)'}`);
    const report = await examine(client, profile, model, oracle, missing);
    for (const line of reportLines(report)) out(line);
    return report.ready ? 0 : 1;
  } catch (error) {
    if (error instanceof ProfileError) {
      err(`casebender doctor: ${error.message}`);
      return 2;
    }
    throw error;
  } finally {
    client.close();
  }
}
