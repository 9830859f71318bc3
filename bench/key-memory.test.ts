// The memory and limiter benchmarks run and report in their format (structure, not speed).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { measureLimiter } from './limiter-decisions.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('bench/key-memory', () => {
  it('stores the keys, finds every sampled one and prints bytes a key and the lookup median', () => {
    const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/key-memory.ts', '--keys', '2000'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(out).toMatch(/^memory store, 2,000 modern keys — Node v\d+/);
    expect(out).toMatch(/\nmemory: \d+ B\/key \(heap -?\d+ \+ buffers -?\d+\); target ≤ 400: (meets|MISSES)\n/);
    expect(out).toMatch(/\nlookup \(findModern: id, SHA-256, constant-time compare\): median \d+ ns \([\d,]+\/s\)\n$/);
  });

  it('refuses a key count outside its bounds with exit 2 and one line', () => {
    let failure: { status: number; stderr: string } | undefined;
    try {
      execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/key-memory.ts', '--keys', '12'], { cwd: ROOT, encoding: 'utf8', stdio: 'pipe', timeout: 60_000 });
    } catch (error) {
      failure = error as { status: number; stderr: string };
    }
    expect(failure?.status).toBe(2);
    expect(failure?.stderr).toBe('bench:keys: --keys must be an integer from 1000 to 5000000; got "12"\n');
  });
});

describe('bench/limiter-decisions', () => {
  it('gives decisions per second of the core and of the store for each algorithm, and the share admitted', () => {
    const results = measureLimiter(0.05, 1);
    expect(results.map((r) => r.algorithm)).toEqual(['token-bucket', 'sliding-window', 'fixed-window']);
    for (const r of results) {
      expect(r.coreDecisionsPerSecond).toBeGreaterThan(0);
      expect(r.storeDecisionsPerSecond).toBeGreaterThan(0);
      expect(r.admitted).toBeGreaterThan(0);
      expect(r.admitted).toBeLessThanOrEqual(1);
    }
  });
});
