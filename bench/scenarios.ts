// The request paths bench/throughput.ts measures: an authorised read, a refused key (401) and a
// spent rate limit (429). Keys come from the profile of the mock being measured.
import type { Profile, ProfileKey } from '../contract/index.js';
import { captureResponse } from './capture-response.js';
import { pickReadableAlert } from './pick-readable-alert.js';
import type { ScenarioName } from './server-messages.js';

export interface Scenario {
  readonly name: ScenarioName;
  readonly title: string;
  /** The status every answer should have. */
  readonly expected: number;
  /** Other statuses that are not a fault (a real clock admits some requests of a spent key). */
  readonly tolerated: readonly number[];
  /** Whether the key's rate limit must be spent before the run. */
  readonly exhaust: boolean;
  request(profile: Profile): { path: string; headers: Record<string, string> };
}

/** A well-formed key that no mock ever mints. */
const WRONG_KEY = `cbr_live_${'x'.repeat(40)}`;

function modernKey(profile: Profile, name: string): ProfileKey & { key: string } {
  const key = profile.keys.find((k) => k.name === name);
  if (key?.key === undefined) throw new Error(`the mock's profile has no modern key named ${name}`);
  return key as ProfileKey & { key: string };
}

function alertPath(profile: Profile): string {
  return `/api/v1/alerts/${pickReadableAlert(profile, modernKey(profile, 'unlimited-a'))}`;
}

export const SCENARIOS: Readonly<Record<ScenarioName, Scenario>> = {
  read: {
    name: 'read',
    title: 'GET alert, Unlimited key → 200',
    expected: 200,
    tolerated: [],
    exhaust: false,
    request: (profile) => ({ path: alertPath(profile), headers: { Authorization: `Bearer ${modernKey(profile, 'unlimited-a').key}` } }),
  },
  unauthorized: {
    name: 'unauthorized',
    title: 'GET alert, wrong key → 401',
    expected: 401,
    tolerated: [],
    exhaust: false,
    request: (profile) => ({ path: alertPath(profile), headers: { Authorization: `Bearer ${WRONG_KEY}` } }),
  },
  limited: {
    name: 'limited',
    title: 'GET alert, spent Basic key → 429',
    expected: 429,
    tolerated: [200],
    exhaust: true,
    request: (profile) => ({ path: alertPath(profile), headers: { Authorization: `Bearer ${modernKey(profile, 'basic-a').key}` } }),
  },
};

/** Sends requests one by one until the key is refused with 429 (a Basic key: its burst of 10). */
export async function exhaustKey(url: string, headers: Record<string, string>, maxRequests = 5_000): Promise<number> {
  for (let sent = 1; sent <= maxRequests; sent++) {
    if ((await captureResponse(url, headers)).status === 429) return sent;
  }
  throw new Error(`${maxRequests} requests did not spend the key's rate limit at ${url}`);
}
