// How the suites create, revoke, suspend and reinstate a key during a run (KEY-3, KEY-4 in effect):
// through the mock's control API, or through a deployment's own key administration declared in its
// profile (`keyAdmin`): HTTP requests made with a named admin key, or commands run with the key's id
// (for deployments managed by a script or a UI's private API).
import { execFile } from 'node:child_process';
import type { CheckContext } from './check.js';
import { probe } from './expect.js';
import { jsonBody, type Exchange } from './http-client.js';
import { credentialHeaders, type Header } from './keyring.js';
import type { ResolvedProfile } from './load-profile.js';
import type { KeyAdminDeclaration, KeyAdminStep as AdminStep, KeyMaterial } from '../../contract/index.js';

export type KeyAction = 'revoke' | 'suspend' | 'reinstate';

/** A key made for the run: its id at the target and the headers that present it. */
export interface MadeKey {
  readonly id: string;
  readonly headers: Header[];
}

/** A key to make for a run (casebender run --provision): what the profile would declare. */
export interface KeySpec {
  readonly name: string;
  readonly kind: 'modern' | 'legacy';
  readonly tier: string;
  readonly scopes: readonly string[];
  readonly tlpClearance: number;
  readonly papClearance: number;
  /** Unix ms; in the past for an expired key. */
  readonly expiresAt?: number;
}

export interface KeyAdmin {
  /** In words, for reports: `the control API`, `the profile's key administration (HTTP)`, ... */
  readonly via: string;
  /** Whether it can take this action (create is always there). */
  can(action: KeyAction): boolean;
  /** A new modern key that may read alerts, named after the run. */
  create(name: string): Promise<MadeKey>;
  /** A new key as specified; its id and material. */
  make(spec: KeySpec): Promise<{ id: string; material: KeyMaterial }>;
  act(id: string, action: KeyAction): Promise<void>;
}

export class KeyAdminError extends Error {}

/** What a template may name: {id}, {name}, and for a create the key's spec. */
type FillValues = Readonly<Record<string, string | number | readonly string[]>>;

/**
 * The values filled in a path, a command's arguments or any string of a body template. A string
 * that is exactly one placeholder takes the value as it is (`"{scopes}"` an array, `"{tlpClearance}"`
 * a number); inside a longer string a value is text (an array joined by commas).
 */
function fill<T>(template: T, values: FillValues): T {
  const asText = (v: string | number | readonly string[]) => (Array.isArray(v) ? v.join(',') : String(v));
  const text = (s: string) => s.replace(/\{(\w+)\}/g, (whole, name: string) => (values[name] === undefined ? whole : asText(values[name]!)));
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const whole = /^\{(\w+)\}$/.exec(v);
      return whole !== null && values[whole[1]!] !== undefined ? values[whole[1]!] : text(v);
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v;
    // A property whose value is a placeholder with no value (an expiry for a key that has none) is left out.
    const unfilled = (x: unknown) => typeof x === 'string' && /^\{(\w+)\}$/.test(x) && values[x.slice(1, -1)] === undefined && !['id', 'name'].includes(x.slice(1, -1));
    return Object.fromEntries(Object.entries(v).filter(([, x]) => !unfilled(x)).map(([k, x]) => [k, walk(x)]));
  };
  return walk(template) as T;
}
/** Command arguments are text: a whole placeholder too. */
const fillArgs = (argv: readonly string[], values: FillValues): string[] => argv.map((a) => fill(`${a}\u0000`, values).slice(0, -1));

/** A field of a JSON answer by a dotted path (`data.key`). */
function field(value: unknown, path: string): unknown {
  let cur = value;
  for (const part of path.split('.')) cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[part] : undefined;
  return cur;
}

function runCommand(argv: readonly string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(argv[0]!, argv.slice(1), { timeout: timeoutMs, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error !== null) reject(new KeyAdminError(`the command ${JSON.stringify(argv.join(' '))} failed: ${error.message.split('\n')[0]}${stderr.trim() !== '' ? ` (${stderr.trim().slice(0, 200)})` : ''}`));
      else resolve(stdout);
    });
  });
}

/** The declared administration as a KeyAdmin; HTTP steps go through the run's client (counted, judged by SCHEMA-1). */
export function declaredKeyAdmin(ctx: CheckContext, declaration: KeyAdminDeclaration): KeyAdmin {
  const profile: ResolvedProfile = ctx.profile;
  const timeoutMs = declaration.timeoutMs ?? 30_000;
  const admin = declaration.adminKey === undefined ? undefined : profile.keys.find((k) => k.name === declaration.adminKey);
  const http = async (step: Extract<AdminStep, { method: string }>, values: FillValues, what: string): Promise<Exchange> => {
    if (admin === undefined) throw new KeyAdminError(`keyAdmin.${what} is an HTTP request, but keyAdmin.adminKey names no key of the profile`);
    const exchange = await ctx.send(probe(step.method.toUpperCase(), fill(step.path, values), credentialHeaders(admin), step.body === undefined ? undefined : fill(step.body, values)));
    if (exchange.status < 200 || exchange.status >= 300) throw new KeyAdminError(`keyAdmin.${what} (${step.method.toUpperCase()} ${fill(step.path, values)}) answered ${exchange.status}: ${exchange.body.slice(0, 200)}`);
    return exchange;
  };
  const via = 'command' in declaration.create ? "the profile's key administration (commands)" : "the profile's key administration (HTTP)";
  /** The create step with `values`; the new key's id and material from its answer. */
  const make = async (values: FillValues, kind: 'modern' | 'legacy'): Promise<{ id: string; material: KeyMaterial }> => {
    const step = declaration.create;
    let answer: unknown;
    if ('command' in step) {
      const out = await runCommand(fillArgs(step.command, values), timeoutMs);
      try {
        answer = JSON.parse(out);
      } catch {
        throw new KeyAdminError(`keyAdmin.create: the command printed no JSON object with "id" and "key" (got ${JSON.stringify(out.slice(0, 120))})`);
      }
    } else answer = jsonBody(await http(step, values, 'create'));
    const path = (f: 'keyField' | 'idField' | 'accessKeyField' | 'secretField', fallback: string) => ('command' in step ? fallback : (step[f] ?? fallback));
    const id = field(answer, path('idField', 'id'));
    const material: KeyMaterial | undefined =
      kind === 'modern'
        ? typeof field(answer, path('keyField', 'key')) === 'string' ? { kind, key: field(answer, path('keyField', 'key')) as string } : undefined
        : typeof field(answer, path('accessKeyField', 'accessKey')) === 'string' && typeof field(answer, path('secretField', 'secret')) === 'string'
          ? { kind, accessKey: field(answer, path('accessKeyField', 'accessKey')) as string, secret: field(answer, path('secretField', 'secret')) as string }
          : undefined;
    if (material === undefined || (typeof id !== 'string' && typeof id !== 'number')) {
      const wanted = kind === 'modern' ? `"${path('keyField', 'key')}"` : `"${path('accessKeyField', 'accessKey')}", "${path('secretField', 'secret')}"`;
      throw new KeyAdminError(`keyAdmin.create: the answer has no string ${wanted} and "${path('idField', 'id')}" (got ${JSON.stringify(answer).slice(0, 160)})`);
    }
    return { id: String(id), material };
  };
  return {
    via,
    can: (action) => declaration[action] !== undefined,
    async create(name) {
      // A key that may read alerts, on the Unlimited tier (its answers never wait on a limit); the
      // spec's placeholders are filled for a create template that names them.
      const tier = Object.entries(ctx.model.tiers).find(([, t]) => t === null)?.[0] ?? Object.keys(ctx.model.tiers)[0]!;
      const made = await make({ name, kind: 'modern', tier, scopes: ['alerts:read'], tlpClearance: 4, papClearance: 4 }, 'modern');
      return { id: made.id, headers: credentialHeadersOf(made.material) };
    },
    make: (spec) =>
      make(
        {
          name: spec.name,
          kind: spec.kind,
          tier: spec.tier,
          scopes: spec.scopes,
          tlpClearance: spec.tlpClearance,
          papClearance: spec.papClearance,
          ...(spec.expiresAt !== undefined ? { expiresAt: new Date(spec.expiresAt).toISOString() } : {}),
        },
        spec.kind,
      ),
    async act(id, action) {
      const step = declaration[action];
      if (step === undefined) throw new KeyAdminError(`the profile's keyAdmin declares no ${action}`);
      if ('command' in step) await runCommand(fillArgs(step.command, { id }), timeoutMs);
      else await http(step, { id }, action);
    },
  };
}

/** How a made key is presented: Bearer for a modern key, the two headers for a legacy pair. */
function credentialHeadersOf(material: KeyMaterial): Header[] {
  return material.kind === 'modern' ? [['Authorization', `Bearer ${material.key}`]] : [['x-api-key', material.accessKey], ['x-api-secret', material.secret]];
}

/** Whether the declared create can make the keys of a run: it must pass on the tier and the scopes. */
export function declaresSpec(declaration: KeyAdminDeclaration): boolean {
  const text = JSON.stringify(declaration.create);
  return text.includes('{tier}') && text.includes('{scopes}');
}

/** The mock's control API as a KeyAdmin: unlimited keys that may read alerts. */
export function controlKeyAdmin(ctx: CheckContext): KeyAdmin | undefined {
  const control = ctx.control;
  if (control === undefined) return undefined;
  const tier = Object.entries(ctx.model.tiers).find(([, t]) => t === null)?.[0] ?? Object.keys(ctx.model.tiers)[0]!;
  return {
    via: 'the control API',
    can: () => true,
    async create(name) {
      const created = await control.createKey({ tier, scopes: ['alerts:read'], name });
      return { id: created.id, headers: [['Authorization', `Bearer ${created.key!}`]] };
    },
    async make(spec) {
      const created = await control.createKey({ ...spec, scopes: [...spec.scopes] });
      const material: KeyMaterial = spec.kind === 'modern' ? { kind: 'modern', key: created.key! } : { kind: 'legacy', accessKey: created.accessKey!, secret: created.secret! };
      return { id: created.id, material };
    },
    act: (id, action) => control.keyAction(id, action),
  };
}

/** The control API where the target has one, else the profile's declared administration, else none. */
export function keyAdminOf(ctx: CheckContext): KeyAdmin | undefined {
  const control = controlKeyAdmin(ctx);
  if (control !== undefined) return control;
  const declared = ctx.profile.keyAdmin;
  return declared === undefined ? undefined : declaredKeyAdmin(ctx, declared);
}
