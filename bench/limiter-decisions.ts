// npm run bench:limiter: the limiter's decisions per second in-process, for each algorithm: the
// pure core (decideRate) and the memory LimiterStore.take around it. Medians of several rounds.
import { decideRate, type LimiterState, ALGORITHMS, type RateLimitAlgorithm, type TierLimits } from '../contract/index.js';
import { createMemoryStore } from '../mock/store/memory-store.js';

export interface LimiterResult {
  readonly algorithm: RateLimitAlgorithm;
  readonly coreDecisionsPerSecond: number;
  readonly storeDecisionsPerSecond: number;
  /** Share of the decisions that admitted: the mix of paths measured. */
  readonly admitted: number;
}

/** Enterprise: the largest limits, so that admissions and refusals both happen. */
const TIER: TierLimits = { perMinute: 5000, perHour: 200_000, burst: 500 };
// Ten keys, each asked 100 times a (clock) second: above the tier's 83/s, so some are refused.
const KEYS = 10;
const BATCH = 10_000;

/** Runs `decide` for `seconds`, in batches, over KEYS keys and a clock moving 1 ms a decision. */
function rate(seconds: number, decide: (key: number, now: number) => boolean): { perSecond: number; admitted: number } {
  let now = Date.UTC(2026, 10, 27);
  let calls = 0;
  let admitted = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  let t = start;
  while (t < end) {
    for (let i = 0; i < BATCH; i++) {
      if (decide(i % KEYS, now)) admitted++;
      now += 1;
    }
    calls += BATCH;
    t = performance.now();
  }
  return { perSecond: calls / ((t - start) / 1000), admitted: admitted / calls };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * @example
 * const results = measureLimiter(0.5, 5); // results[0].coreDecisionsPerSecond
 */
export function measureLimiter(secondsPerRound: number, rounds: number): LimiterResult[] {
  return ALGORITHMS.map((algorithm) => {
    const core: number[] = [];
    const store: number[] = [];
    let admitted = 0;
    for (let round = 0; round < rounds; round++) {
      const states: (LimiterState | undefined)[] = new Array(KEYS).fill(undefined);
      const c = rate(secondsPerRound, (key, now) => {
        const d = decideRate(states[key], now, TIER, algorithm);
        if (d.allowed) states[key] = d.state;
        return d.allowed;
      });
      core.push(c.perSecond);
      admitted = c.admitted;
      const limiter = createMemoryStore().limiter;
      const ids = Array.from({ length: KEYS }, (_, i) => `key_${i.toString().padStart(8, '0')}`);
      store.push(rate(secondsPerRound, (key, now) => (limiter.take(ids[key]!, now, TIER, algorithm) as { allowed: boolean }).allowed).perSecond);
    }
    return { algorithm, coreDecisionsPerSecond: median(core), storeDecisionsPerSecond: median(store), admitted };
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rounds = 5;
  const seconds = 0.5;
  console.log(`limiter decisions in-process — Node ${process.version}; ${KEYS} keys of ${JSON.stringify(TIER)}, the clock 1 ms on per decision; median of ${rounds} rounds of ${seconds} s`);
  for (const r of measureLimiter(seconds, rounds)) {
    const f = (n: number) => Math.round(n).toLocaleString('en-US');
    console.log(`${r.algorithm.padEnd(15)} decideRate ${f(r.coreDecisionsPerSecond).padStart(11)}/s   LimiterStore.take ${f(r.storeDecisionsPerSecond).padStart(11)}/s   (${(r.admitted * 100).toFixed(0)}% admitted)`);
  }
}
