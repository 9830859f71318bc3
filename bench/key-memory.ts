// npm run bench:keys: the memory store's bytes per stored key with N keys (default 1,000,000;
// target ≤ 400 B a key) and the median time to find one by its material (findModern: lookup id,
// SHA-256 of the key, constant-time compare). Run with --expose-gc (the npm script does).
import { createMemoryStore } from '../mock/store/memory-store.js';
import { mintKey, type KeyMaterial } from '../contract/index.js';

export const TARGET_BYTES_PER_KEY = 400;

export interface KeyMemoryResult {
  readonly keys: number;
  readonly bytesPerKey: number;
  readonly heapBytesPerKey: number;
  readonly bufferBytesPerKey: number;
  readonly lookupNanosMedian: number;
  readonly lookupsPerSecond: number;
}

const gc = (): void => {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) throw new Error('run with node --expose-gc (npm run bench:keys does)');
  collect();
  collect();
};

/**
 * Keys as the control API mints them (modern, a name, a tier, scopes, clearances), `keys` of them.
 *
 * @example
 * const r = measureKeyMemory(10_000); // r.bytesPerKey, r.lookupNanosMedian
 */
export function measureKeyMemory(keys: number, lookups = 200_000): KeyMemoryResult {
  // Minted straight into the store: what is measured is all a stored key costs (its record, its
  // hash, the maps), plus 1 in 100 of the materials kept for the lookups (well under 1 B a key).
  const scopes = ['alerts:read', 'cases:read', 'observables:read'];
  const sample: KeyMaterial[] = [];
  const every = Math.max(1, Math.floor(keys / 10_000));
  const now = Date.UTC(2026, 10, 27);
  const store = createMemoryStore();
  gc();
  const before = process.memoryUsage();
  for (let i = 0; i < keys; i++) {
    const minted = mintKey({ name: `control-${i.toString(16).padStart(6, '0')}`, tier: i % 2 === 0 ? 'basic' : 'standard', scopes }, now, { tlp: 4, pap: 4 });
    store.keys.put(minted.record);
    if (i % every === 0) sample.push(minted.material);
  }
  gc();
  const after = process.memoryUsage();
  const heap = (after.heapUsed - before.heapUsed) / keys;
  const buffers = (after.arrayBuffers - before.arrayBuffers) / keys;

  // Lookups: batches of the sampled keys, the median of the batches' time per lookup.
  const batch = 1000;
  const perLookup: number[] = [];
  let found = 0;
  for (let done = 0; done < lookups; done += batch) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) {
      const m = sample[(done + i) % sample.length]!;
      if (m.kind === 'modern' && store.keys.findModern(m.key) !== undefined) found++;
    }
    perLookup.push(Number(process.hrtime.bigint() - start) / batch);
  }
  if (found !== Math.ceil(lookups / batch) * batch) throw new Error(`only ${found} of the lookups found their key`);
  perLookup.sort((a, b) => a - b);
  const median = perLookup[Math.floor(perLookup.length / 2)]!;
  return { keys, bytesPerKey: heap + buffers, heapBytesPerKey: heap, bufferBytesPerKey: buffers, lookupNanosMedian: median, lookupsPerSecond: 1e9 / median };
}

function parseKeys(argv: readonly string[]): number {
  const i = argv.indexOf('--keys');
  if (i === -1) return 1_000_000;
  const n = Number(argv[i + 1]);
  if (!Number.isInteger(n) || n < 1000 || n > 5_000_000) throw new Error(`--keys must be an integer from 1000 to 5000000; got "${argv[i + 1]}"`);
  return n;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  let keys: number;
  try {
    keys = parseKeys(process.argv.slice(2));
  } catch (error) {
    console.error(`bench:keys: ${(error as Error).message}`);
    process.exit(2);
  }
  console.log(`memory store, ${keys.toLocaleString('en-US')} modern keys — Node ${process.version}`);
  const r = measureKeyMemory(keys);
  const verdict = r.bytesPerKey <= TARGET_BYTES_PER_KEY ? 'meets' : 'MISSES';
  console.log(`memory: ${r.bytesPerKey.toFixed(0)} B/key (heap ${r.heapBytesPerKey.toFixed(0)} + buffers ${r.bufferBytesPerKey.toFixed(0)}); target ≤ ${TARGET_BYTES_PER_KEY}: ${verdict}`);
  console.log(`lookup (findModern: id, SHA-256, constant-time compare): median ${r.lookupNanosMedian.toFixed(0)} ns (${Math.round(r.lookupsPerSecond).toLocaleString('en-US')}/s)`);
}
