// Loads a target profile: JSON, validated against fixtures/profile.schema.json (every error
// names its field), with keys named by environment variable resolved from the environment.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { schemaChecker, type Profile, type ProfileKey } from '../../contract/index.js';

export class ProfileError extends Error {}

/** A profile key with its material resolved. */
export type ResolvedKey = ProfileKey & ({ kind: 'modern'; key: string } | { kind: 'legacy'; accessKey: string; secret: string });

export interface ResolvedProfile extends Omit<Profile, 'keys'> {
  keys: ResolvedKey[];
  /** Where the profile came from, for messages. */
  source: string;
}

let check: ((value: unknown) => string[]) | undefined;

/** Validates a parsed profile and resolves env-named material; throws ProfileError. */
export function resolveProfile(value: unknown, source: string, env: NodeJS.ProcessEnv = process.env): ResolvedProfile {
  check ??= schemaChecker('profile.schema.json');
  const errors = check(value);
  if (errors.length > 0) throw new ProfileError(`profile ${source} is invalid:\n  ${errors.slice(0, 10).join('\n  ')}`);
  const profile = value as Profile;
  const names = new Set<string>();
  const keys = profile.keys.map((k, i): ResolvedKey => {
    if (names.has(k.name)) throw new ProfileError(`profile ${source}: keys[${i}].name "${k.name}" is used twice`);
    names.add(k.name);
    const fromEnv = (field: 'keyEnv' | 'secretEnv' | 'accessKeyEnv', variable: string) => {
      const v = env[variable];
      if (v === undefined || v === '') throw new ProfileError(`profile ${source}: keys[${i}].${field}: the environment variable ${variable} is not set`);
      return v;
    };
    if (k.kind === 'modern') return { ...k, kind: 'modern', key: k.key ?? fromEnv('keyEnv', k.keyEnv!) };
    return { ...k, kind: 'legacy', accessKey: k.accessKey ?? fromEnv('accessKeyEnv', k.accessKeyEnv!), secret: k.secret ?? fromEnv('secretEnv', k.secretEnv!) };
  });
  const control = profile.target.control;
  if (control?.tokenEnv !== undefined && control.token === undefined) {
    const token = env[control.tokenEnv];
    if (token === undefined) throw new ProfileError(`profile ${source}: target.control.tokenEnv: the environment variable ${control.tokenEnv} is not set`);
    control.token = token;
  }
  return { ...profile, keys, source };
}

/** A profile file's contents, parsed: YAML for .yaml and .yml (what `casebender init` writes, with comments), JSON otherwise. */
export function readProfileFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ProfileError(`cannot read the profile ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  const yaml = /\.ya?ml$/i.test(path);
  try {
    return yaml ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new ProfileError(`the profile ${path} is not ${yaml ? 'YAML' : 'JSON'}: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** Reads and resolves a profile file; throws ProfileError with one clear message. */
export function loadProfile(path: string, env: NodeJS.ProcessEnv = process.env): ResolvedProfile {
  return resolveProfile(readProfileFile(path), path, env);
}
