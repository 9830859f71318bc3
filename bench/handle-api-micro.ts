// Calls per second of the mock's core (app.handleApi) on the read path, in-process and without a
// network: the share of a request's cost that is the contract's pipeline, not the HTTP stack.
import { createMockApp } from '../mock/app.js';
import type { RequestFacts } from '../contract/index.js';
import { pickReadableAlert } from './pick-readable-alert.js';

export interface MicroResult {
  readonly calls: number;
  readonly seconds: number;
  readonly callsPerSecond: number;
  readonly microsPerCall: number;
}

const BATCH = 256;

/**
 * Times `app.handleApi(facts)` for a Bearer GET of one alert, after a short warm-up.
 *
 * @example
 * const { microsPerCall } = await measureHandleApi(2);
 */
export async function measureHandleApi(seconds: number, warmUpSeconds = 0.5): Promise<MicroResult> {
  const app = await createMockApp({ control: false });
  const profile = app.profile('http://127.0.0.1/api/v1');
  const key = profile.keys.find((k) => k.name === 'unlimited-a');
  if (key?.key === undefined) throw new Error('the seed has no modern key named unlimited-a');
  const facts: RequestFacts = {
    method: 'GET',
    pathname: `/api/v1/alerts/${pickReadableAlert(profile, key)}`,
    query: new URLSearchParams(),
    rawHeaders: ['Authorization', `Bearer ${key.key}`, 'Host', '127.0.0.1'],
  };
  const first = await app.handleApi(facts);
  if (first.status !== 200) throw new Error(`the micro-benchmark's request answers ${first.status}, not 200: ${first.body ?? ''}`);

  const loop = async (forSeconds: number): Promise<{ calls: number; seconds: number }> => {
    const start = performance.now();
    const end = start + forSeconds * 1000;
    let calls = 0;
    let now = start;
    while (now < end) {
      for (let i = 0; i < BATCH; i++) await app.handleApi(facts);
      calls += BATCH;
      now = performance.now();
    }
    return { calls, seconds: (now - start) / 1000 };
  };
  await loop(warmUpSeconds);
  const { calls, seconds: elapsed } = await loop(seconds);
  const callsPerSecond = calls / elapsed;
  return { calls, seconds: elapsed, callsPerSecond, microsPerCall: 1e6 / callsPerSecond };
}
