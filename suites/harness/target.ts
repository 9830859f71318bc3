// Where a run points: a deployment named by the environment (CASEBENDER_TARGET + CASEBENDER_PROFILE)
// or, with nothing set, the embedded mock on a free loopback port.
import { createMockApp, type MockOptions } from '../../mock/app.js';
import { startMockServer } from '../../mock/http/server.js';
import { loadProfile, ProfileError, resolveProfile, type ResolvedProfile } from './load-profile.js';

export interface Target {
  readonly profile: ResolvedProfile;
  /** 'embedded' for the mock this process started. */
  readonly kind: 'embedded' | 'external';
  stop(): Promise<void>;
}

/**
 * The embedded mock's time scale: ten target seconds a real second, so that the rate-limit
 * suites' minute and a half of target time takes nine real seconds.
 */
export const EMBEDDED_TIME_SCALE = 10;

/** Starts the embedded mock and returns the profile it writes (with /api as a second base URL, RL-10). */
export async function embeddedTarget(options: MockOptions = {}): Promise<Target> {
  const app = await createMockApp({ timeScale: EMBEDDED_TIME_SCALE, ...options });
  const server = await startMockServer(app, { host: '127.0.0.1', port: 0 });
  const written = app.profile(server.baseUrl, server.controlUrl);
  written.target.extraBaseUrls = [`${server.origin}/api`];
  const profile = resolveProfile(JSON.parse(JSON.stringify(written)), 'the embedded mock');
  return { profile, kind: 'embedded', stop: () => server.close() };
}

/** A deployment's profile, with its base URL overridden by `target` when given. */
export function externalTarget(profilePath: string, target?: string, env: NodeJS.ProcessEnv = process.env): Target {
  const profile = loadProfile(profilePath, env);
  if (target !== undefined) {
    if (!/^https?:\/\//.test(target)) throw new ProfileError(`the target ${JSON.stringify(target)} is not an http(s) URL`);
    profile.target.baseUrl = target;
  }
  return { profile, kind: 'external', stop: async () => undefined };
}

/** The target the environment names, or the embedded mock. */
export async function targetFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<Target> {
  const target = env['CASEBENDER_TARGET'];
  const profile = env['CASEBENDER_PROFILE'];
  if (target === undefined && profile === undefined) return embeddedTarget();
  if (profile === undefined) throw new ProfileError('CASEBENDER_TARGET is set but CASEBENDER_PROFILE is not: a deployment needs a profile of its keys');
  return externalTarget(profile, target, env);
}
