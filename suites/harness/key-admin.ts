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
import type { KeyAdminDeclaration, KeyAdminStep as AdminStep } from '../../mock/profile.js';

export type KeyAction = 'revoke' | 'suspend' | 'reinstate';

/** A key made for the run: its id at the target and the headers that present it. */
export interface MadeKey {
  readonly id: string;
  readonly headers: Header[];
}

export interface KeyAdmin {
  /** In words, for reports: `the control API`, `the profile's key administration (HTTP)`, ... */
  readonly via: string;
  /** Whether it can take this action (create is always there). */
  can(action: KeyAction): boolean;
  /** A new modern key that may read alerts, named after the run. */
  create(name: string): Promise<MadeKey>;
  act(id: string, action: KeyAction): Promise<void>;
}

export class KeyAdminError extends Error {}

/** `{id}` and `{name}` filled in a path, a command's arguments or any string of a body template. */
function fill<T>(template: T, values: Readonly<Record<string, string>>): T {
  const text = (s: string) => s.replace(/\{(id|name)\}/g, (whole, name: string) => values[name] ?? whole);
  const walk = (v: unknown): unknown => (typeof v === 'string' ? text(v) : Array.isArray(v) ? v.map(walk) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)])) : v);
  return walk(template) as T;
}

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
  const http = async (step: Extract<AdminStep, { method: string }>, values: Record<string, string>, what: string): Promise<Exchange> => {
    if (admin === undefined) throw new KeyAdminError(`keyAdmin.${what} is an HTTP request, but keyAdmin.adminKey names no key of the profile`);
    const exchange = await ctx.send(probe(step.method.toUpperCase(), fill(step.path, values), credentialHeaders(admin), step.body === undefined ? undefined : fill(step.body, values)));
    if (exchange.status < 200 || exchange.status >= 300) throw new KeyAdminError(`keyAdmin.${what} (${step.method.toUpperCase()} ${fill(step.path, values)}) answered ${exchange.status}: ${exchange.body.slice(0, 200)}`);
    return exchange;
  };
  const via = 'command' in declaration.create ? "the profile's key administration (commands)" : "the profile's key administration (HTTP)";
  return {
    via,
    can: (action) => declaration[action] !== undefined,
    async create(name) {
      const step = declaration.create;
      let answer: unknown;
      if ('command' in step) {
        const out = await runCommand(fill(step.command, { name }), timeoutMs);
        try {
          answer = JSON.parse(out);
        } catch {
          throw new KeyAdminError(`keyAdmin.create: the command printed no JSON object with "id" and "key" (got ${JSON.stringify(out.slice(0, 120))})`);
        }
      } else answer = jsonBody(await http(step, { name }, 'create'));
      const keyPath = 'command' in step ? 'key' : (step.keyField ?? 'key');
      const idPath = 'command' in step ? 'id' : (step.idField ?? 'id');
      const key = field(answer, keyPath);
      const id = field(answer, idPath);
      if (typeof key !== 'string' || (typeof id !== 'string' && typeof id !== 'number')) {
        throw new KeyAdminError(`keyAdmin.create: the answer has no string "${keyPath}" and "${idPath}" (got ${JSON.stringify(answer).slice(0, 160)})`);
      }
      return { id: String(id), headers: [['Authorization', `Bearer ${key}`]] };
    },
    async act(id, action) {
      const step = declaration[action];
      if (step === undefined) throw new KeyAdminError(`the profile's keyAdmin declares no ${action}`);
      if ('command' in step) await runCommand(fill(step.command, { id }), timeoutMs);
      else await http(step, { id }, action);
    },
  };
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
