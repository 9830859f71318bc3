// `casebender init`: a commented profile skeleton for a deployment (#20). Every kind of key the
// suites can use (suites/harness/key-kinds.ts), each with the environment variable its material
// comes from and the requirements it enables; the entities the TLP checks read; a commented key
// administration. Beside it an .env.example naming every variable. Nothing is overwritten unless
// --force is given.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseOptions, UsageError } from '../cli/args.js';
import { referenceModel, keyVariable, REQUIREMENT_IDS } from '../contract/index.js';
import { functionalBase, functionalKinds, rateLimitKinds, type KeyKind } from './harness/key-kinds.js';

export const INIT_USAGE = `Usage: casebender init [options]

Writes a commented profile skeleton (YAML) for a CaseBender deployment: every kind of key the
suites can use, each with the environment variable its material comes from and the requirements
it enables, the entities the TLP checks read, and a key administration to fill in (or leave out).
Beside it, .env.example names every variable. Then: fill the variables, run
"casebender doctor --profile FILE", then "casebender run --profile FILE".

Options:
  --target URL   the deployment's API base (default https://casebender.example.com/api)
  --out FILE     the profile to write (default casebender.profile.yaml); .env.example goes beside it
  --full         also the keys of the hour caps (RL-4, casebender run --full)
  --force        overwrite FILE and .env.example if they exist
  -h, --help     show this help

Exit codes: 0 written, 2 a usage error or a file that exists (without --force) or cannot be written.`;

const ids: readonly string[] = REQUIREMENT_IDS;

/** The profile lines of one key, its comment first. */
function keyLines(kind: KeyKind, name: string, enables: readonly string[]): string[] {
  const q = JSON.stringify;
  const variable = keyVariable(name);
  const out = [`  # ${kind.what}${enables.length > 0 ? ` — enables ${enables.join(', ')}` : ''}`, `  - name: ${q(name)}`, `    kind: ${kind.kind}`];
  if (kind.kind === 'modern') out.push(`    keyEnv: ${variable}`);
  else out.push(`    accessKeyEnv: ${variable}_ACCESS_KEY`, `    secretEnv: ${variable}_SECRET`);
  out.push(`    tier: ${kind.tier}`, `    scopes: [${kind.scopes.map((s) => q(s)).join(', ')}]`);
  if (kind.tlpClearance !== undefined) out.push(`    tlpClearance: ${kind.tlpClearance}`);
  if (kind.papClearance !== undefined) out.push(`    papClearance: ${kind.papClearance}`);
  if (kind.state !== undefined) out.push(`    state: ${kind.state}`);
  return out;
}

/** The names of a kind's keys: the kind's name, numbered when the suites take several. */
const namesOf = (kind: KeyKind) => (kind.count === 1 ? [kind.name] : Array.from({ length: kind.count }, (_v, i) => `${kind.name}-${i + 1}`));

/** The skeleton's text and the variables it names. */
export function skeleton(options: { target: string; full: boolean }): { profile: string; variables: string[] } {
  const model = referenceModel();
  const functional = functionalKinds(model);
  const limits = rateLimitKinds(model, { full: options.full, spread: true });
  const variables: string[] = [];
  const keys: string[] = [];
  for (const kind of [...functional, ...limits]) {
    const enables = kind.base === true ? functionalBase(functional, ids) : kind.enables;
    for (const name of namesOf(kind)) {
      keys.push(...keyLines(kind, name, enables));
      const v = keyVariable(name);
      variables.push(...(kind.kind === 'modern' ? [v] : [`${v}_ACCESS_KEY`, `${v}_SECRET`]));
    }
    if (kind.name === functional.at(-1)!.name) keys.push('', '  # Rate limits (RL, HDR): keys no one else uses, each taken once by the load. Not needed when', '  # keyAdmin below is declared and the run is started with --provision.');
  }
  const profile = `# casebender profile: what the suites need to know about ${options.target}
# Written by \`casebender init\`. Fill in the variables of .env.example (key material never goes in
# this file), then check it with \`casebender doctor --profile THIS-FILE\`.
# Schema: fixtures/profile.schema.json of casebender-conformance. A key or entity you leave out
# skips the requirements it enables, and the run says which.
target:
  baseUrl: ${JSON.stringify(options.target)}
  # Other base URLs of the same deployment (nodes behind the load balancer): RL-10 spreads load over them.
  # extraBaseUrls: ["https://node-2.example.com/api"]

# The deployment's clock runs at real time; a scaled test deployment says so here.
clock: { mode: real, timeScale: 1 }

# CaseBender's documented tiers are the default; declare yours where they differ.
# tiers:
#   basic: { perMinute: 60, perHour: 1000, burst: 10 }

# The project's reference policy is the default (admin:* implies every scope; write does not imply read).
# policy: { adminImpliesAll: true, writeImpliesRead: false, rateLimitAlgorithm: token-bucket }

keys:
${keys.join('\n')}

# Entities the TLP/PAP checks read (TLP-1, TLP-2, TLP-3), with their markings as your deployment holds them.
entities:
  - { type: alerts, id: "replace-with-an-alert-id-at-tlp-0", tlp: 0, pap: 0 }
  - { type: alerts, id: "replace-with-an-alert-id-at-tlp-3", tlp: 3, pap: 3 }
  - { type: cases, id: "replace-with-a-case-id-at-tlp-4", tlp: 4, pap: 4 }

# How to create, revoke, suspend and reinstate a key (KEY-3 and KEY-4 seen taking effect; with
# \`casebender run --provision\`, the run's keys). HTTP requests made with the key named adminKey, or
# commands; {name} and {id} are filled in. Leave it out if your deployment has no such API.
# keyAdmin:
#   adminKey: "admin"
#   create: { method: POST, path: "/api-keys", idField: id, keyField: key,
#             body: { name: "{name}", kind: "{kind}", tier: "{tier}", scopes: "{scopes}", tlpClearance: "{tlpClearance}", papClearance: "{papClearance}", expiresAt: "{expiresAt}" } }
#   revoke: { method: DELETE, path: "/api-keys/{id}" }
#   suspend: { method: POST, path: "/api-keys/{id}/suspend" }
#   reinstate: { method: POST, path: "/api-keys/{id}/reinstate" }
#   # or commands: create: { command: ["./scripts/make-key.sh", "{name}"] }
`;
  return { profile, variables };
}

export interface InitOptions {
  readonly target: string;
  readonly out: string;
  readonly full: boolean;
  readonly force: boolean;
  readonly help: boolean;
}

/** Parses `casebender init` arguments; throws UsageError with one clear line. */
export function parseInitArgs(argv: readonly string[]): InitOptions {
  const values = parseOptions(argv, {
    target: { type: 'string', default: 'https://casebender.example.com/api' },
    out: { type: 'string', default: 'casebender.profile.yaml' },
    full: { type: 'boolean', default: false },
    force: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (!/^https?:\/\/[^/\s]+/.test(values.target)) throw new UsageError(`--target must be an http(s) URL such as https://casebender.example.com/api; got "${values.target}"`);
  if (!/\.ya?ml$/i.test(values.out)) throw new UsageError(`--out must end in .yaml or .yml (the skeleton is commented YAML); got "${values.out}"`);
  return values;
}

/** A skeleton not written: a file in the way (without --force), or one that cannot be written. */
export class InitWriteError extends Error {}

/**
 * Writes the skeleton to options.out and .env.example beside it: refused (nothing written) when
 * either exists without --force. Throws InitWriteError, whose message is the line to print.
 */
export function writeSkeleton(options: InitOptions): { path: string; envPath: string; variables: string[] } {
  const path = resolve(options.out);
  const envPath = join(dirname(path), '.env.example');
  const existing = [path, envPath].filter((p) => existsSync(p));
  if (existing.length > 0 && !options.force) throw new InitWriteError(`${existing.join(' and ')} already exist${existing.length === 1 ? 's' : ''}; nothing written (--force overwrites)`);
  const { profile, variables } = skeleton({ target: options.target.replace(/\/+$/, ''), full: options.full });
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, profile);
    writeFileSync(envPath, `# The key material the profile ${options.out} names; fill in, keep out of version control.\n# Load with: set -a; . ./.env; set +a   (after copying this file to .env)\n${variables.map((v) => `${v}=`).join('\n')}\n`);
  } catch (error) {
    throw new InitWriteError(`cannot write ${path}: ${(error as Error).message}`);
  }
  return { path, envPath, variables };
}

/** What init says once it has written: where, and what to do next. */
export function writtenLines(options: InitOptions, written: { path: string; envPath: string; variables: readonly string[] }): string[] {
  return [`wrote ${written.path} (${written.variables.length} key variables) and ${written.envPath}`, `next: copy .env.example to .env and fill it, then: casebender doctor --profile ${options.out}`];
}

export function runInitCommand(argv: readonly string[], out: (line: string) => void = console.log, err: (line: string) => void = console.error): number {
  let options: InitOptions;
  try {
    options = parseInitArgs(argv);
  } catch (error) {
    err(`casebender init: ${(error as Error).message}\nRun "casebender init --help" for the options.`);
    return 2;
  }
  if (options.help) {
    out(INIT_USAGE);
    return 0;
  }
  let written: ReturnType<typeof writeSkeleton>;
  try {
    written = writeSkeleton(options);
  } catch (error) {
    if (!(error instanceof InitWriteError)) throw error;
    err(`casebender init: ${error.message}`);
    return 2;
  }
  for (const line of writtenLines(options, written)) out(line);
  return 0;
}
