// npm run soak -- --minutes 10: the mock under steady load for a while, to see whether its memory
// grows. Capacity is measured first in the same run (a few seconds flat out), then the load runs
// at half of it; the mock's RSS and heap are sampled at intervals. Loopback only, bounded in time
// and rate. Traffic: an authorised read (200), a wrong key (401) and a spent Basic key (429),
// which store nothing new, so growth means a leak rather than data.
import autocannon from 'autocannon';
import { parseArgs } from 'node:util';
import type { Profile } from '../contract/index.js';
import { exhaustKey, SCENARIOS } from './scenarios.js';
import { startServerChild, type ServerChild } from './server-child.js';

export const SOAK_USAGE = `Usage: npm run soak -- [options]

  --minutes N           how long the load runs (default 10; at most 120; fractions allowed)
  --measure-seconds N   how long capacity is measured first (default 5; 1 to 60)
  --sample-seconds N    how often the mock's memory is read (default 30; 1 to 600)
  --connections N       connections (default 10; 1 to 100)
  --json                print the result as JSON as the last line
  -h, --help            this help`;

export interface SoakOptions {
  readonly minutes: number;
  readonly measureSeconds: number;
  readonly sampleSeconds: number;
  readonly connections: number;
  readonly json: boolean;
}

export interface MemorySample {
  /** Seconds since the load began. */
  readonly at: number;
  readonly rss: number;
  readonly heapUsed: number;
  readonly arrayBuffers: number;
  /** Answers received since the previous sample, per second. */
  readonly ratePerSecond: number;
}

export interface SoakResult {
  readonly capacityPerSecond: number;
  readonly targetPerSecond: number;
  readonly minutes: number;
  readonly achievedPerSecond: number;
  readonly statuses: Record<string, number>;
  readonly samples: readonly MemorySample[];
  /** From the first sample under load to the last. */
  readonly growth: { readonly rss: number; readonly heapUsed: number; readonly rssPerMinute: number; readonly heapPerMinute: number };
}

/** Parses the soak options; throws with one clear line. */
export function parseSoakArgs(argv: readonly string[]): SoakOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      minutes: { type: 'string', default: '10' },
      'measure-seconds': { type: 'string', default: '5' },
      'sample-seconds': { type: 'string', default: '30' },
      connections: { type: 'string', default: '10' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  const number = (name: string, text: string, min: number, max: number, integer: boolean): number => {
    const n = Number(text);
    if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) throw new Error(`--${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}; got "${text}"`);
    return n;
  };
  return {
    minutes: number('minutes', values.minutes, 0.01, 120, false),
    measureSeconds: number('measure-seconds', values['measure-seconds'], 1, 60, true),
    sampleSeconds: number('sample-seconds', values['sample-seconds'], 1, 600, true),
    connections: number('connections', values.connections, 1, 100, true),
    json: values.json,
  };
}

/** The three requests the load cycles through, against the mock's profile. */
function requests(profile: Profile): autocannon.Request[] {
  return (['read', 'unauthorized', 'limited'] as const).map((name) => {
    const { path, headers } = SCENARIOS[name].request(profile);
    return { method: 'GET', path, headers };
  });
}

/** One autocannon run; `onResponse` sees every answer's status. */
function load(origin: string, profile: Profile, options: { seconds: number; connections: number; rate?: number }, onResponse?: (status: number) => void): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: origin,
        connections: options.connections,
        duration: options.seconds,
        requests: requests(profile),
        ...(options.rate !== undefined ? { overallRate: options.rate } : {}),
      },
      (error: unknown, result: autocannon.Result) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(result)),
    );
    if (onResponse !== undefined) instance.on('response', (_client: unknown, status: number) => onResponse(status));
  });
}

/**
 * Runs the soak against a mock in a child process and gives the samples and the growth.
 *
 * @example
 * const r = await runSoak({ minutes: 10, measureSeconds: 5, sampleSeconds: 30, connections: 10, json: false });
 * r.growth.rssPerMinute
 */
export async function runSoak(options: SoakOptions, log: (line: string) => void = () => {}): Promise<SoakResult> {
  const mock: ServerChild = await startServerChild({ kind: 'start', role: 'mock' });
  try {
    const profile = mock.ready.profile!;
    const origin = `http://127.0.0.1:${mock.ready.ports.read!}`;
    const limited = SCENARIOS.limited.request(profile);
    await exhaustKey(`${origin}${limited.path}`, limited.headers);

    const capacity = (await load(origin, profile, { seconds: options.measureSeconds, connections: options.connections })).requests.average;
    const target = Math.max(1, Math.floor(capacity / 2));
    log(`capacity: ${Math.round(capacity).toLocaleString('en-US')} requests/s over ${options.measureSeconds} s; the soak runs at ${target.toLocaleString('en-US')}/s for ${options.minutes} min`);

    const statuses: Record<string, number> = {};
    let answered = 0;
    const seconds = Math.max(1, Math.round(options.minutes * 60));
    const samples: MemorySample[] = [];
    const start = performance.now();
    let lastAt = start;
    let lastAnswered = 0;
    const sample = async (): Promise<void> => {
      const m = await mock.memory();
      const now = performance.now();
      const s: MemorySample = { at: (now - start) / 1000, ...m, ratePerSecond: now > lastAt ? ((answered - lastAnswered) * 1000) / (now - lastAt) : 0 };
      lastAt = now;
      lastAnswered = answered;
      samples.push(s);
      log(`${s.at.toFixed(0).padStart(6)} s  rss ${mb(s.rss)}  heap ${mb(s.heapUsed)}  buffers ${mb(s.arrayBuffers)}  ${Math.round(s.ratePerSecond).toLocaleString('en-US')}/s`);
    };
    await sample();
    const soak = load(origin, profile, { seconds, connections: options.connections, rate: target }, (status) => {
      answered++;
      statuses[status] = (statuses[status] ?? 0) + 1;
    });
    let sampling = Promise.resolve();
    const timer = setInterval(() => (sampling = sampling.then(sample)), options.sampleSeconds * 1000);
    const result = await soak;
    clearInterval(timer);
    await sampling;
    await sample();
    // The baseline is the first sample under load (the one before follows the flat-out capacity run).
    const first = samples.length >= 3 ? samples[1]! : samples[0]!;
    const last = samples.at(-1)!;
    const minutes = (last.at - first.at) / 60 || 1;
    return {
      capacityPerSecond: capacity,
      targetPerSecond: target,
      minutes: options.minutes,
      achievedPerSecond: result.requests.average,
      statuses,
      samples,
      growth: { rss: last.rss - first.rss, heapUsed: last.heapUsed - first.heapUsed, rssPerMinute: (last.rss - first.rss) / minutes, heapPerMinute: (last.heapUsed - first.heapUsed) / minutes },
    };
  } finally {
    await mock.stop();
  }
}

const mb = (bytes: number): string => `${(bytes / 1048576).toFixed(1).padStart(7)} MB`;

if (import.meta.url === `file://${process.argv[1]}`) {
  let options: SoakOptions | 'help';
  try {
    options = parseSoakArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`soak: ${(error as Error).message.split('\n')[0]}`);
    process.exit(2);
  }
  if (options === 'help') {
    console.log(SOAK_USAGE);
    process.exit(0);
  }
  console.log(`casebender mock soak — Node ${process.version}, 127.0.0.1, ${options.connections} connections; read 200 / wrong key 401 / spent key 429 in turn`);
  const result = await runSoak(options, (line) => console.log(line));
  const unexpected = Object.entries(result.statuses).filter(([s]) => !['200', '401', '429'].includes(s));
  console.log(
    `\nachieved ${Math.round(result.achievedPerSecond).toLocaleString('en-US')}/s of ${result.targetPerSecond.toLocaleString('en-US')}/s; answers ${JSON.stringify(result.statuses)}` +
      `\ngrowth from the first sample under load to the last: rss ${mb(result.growth.rss).trim()} (${mb(result.growth.rssPerMinute).trim()}/min), heap ${mb(result.growth.heapUsed).trim()} (${mb(result.growth.heapPerMinute).trim()}/min)`,
  );
  if (unexpected.length > 0) console.log(`WARNING: unexpected answers ${JSON.stringify(Object.fromEntries(unexpected))}`);
  if (options.json) console.log(JSON.stringify(result));
  process.exit(unexpected.length > 0 ? 1 : 0);
}
