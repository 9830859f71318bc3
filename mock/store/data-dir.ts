// `casebender mock --data DIR`: the mock's state on disk. One JSON file, replaced atomically
// (temporary file, fsync, rename, fsync of the directory), so that a crash at any instant leaves
// the last complete state. Keys are kept as their hashes only, as in memory.
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { ClockMode } from '../../contract/clock.js';
import type { LimiterState } from '../../contract/limits/index.js';
import type { KeyRecord, RateLimitAlgorithm } from '../../contract/types.js';
import type { SeedKeySpec } from '../../contract/seed.js';
import type { StoreState } from './memory-store.js';
import { isPending, type Collection, type Entity, type Stores } from '../../contract/store-types.js';

export const STATE_FILE = 'state.json';
const FORMAT = 'casebender-mock-state';
const VERSION = 1;
const TEMP_SUFFIX = '.tmp';
const COLLECTIONS: readonly Collection[] = ['users', 'alerts', 'cases', 'observables'];

/** What a restart needs: the clock, the seeded keys as minted (for reset) and the stores. */
export interface SavedState {
  readonly clock: { readonly mode: ClockMode; readonly scale: number; readonly now: number };
  /** The limiter state is kept only for the algorithm it was computed with. */
  readonly algorithm: RateLimitAlgorithm;
  readonly seedKeys: readonly { readonly spec: SeedKeySpec; readonly record: KeyRecord }[];
  readonly store: StoreState;
}

/** A data directory that cannot be used or a state file that is not ours; one clear line. */
export class DataDirError extends Error {}

type RecordOnDisk = Omit<KeyRecord, 'hash'> & { hash: string };

const toDisk = (r: KeyRecord): RecordOnDisk => ({ ...r, hash: Buffer.from(r.hash).toString('base64') });

/** The state as the text of the file. */
export function encodeState(state: SavedState): string {
  return JSON.stringify({
    format: FORMAT,
    version: VERSION,
    clock: state.clock,
    algorithm: state.algorithm,
    seedKeys: state.seedKeys.map(({ spec, record }) => ({ spec, record: toDisk(record) })),
    keys: state.store.keys.map(toDisk),
    entities: state.store.entities,
    limiter: state.store.limiter,
  });
}

/** Parses and checks the text of a state file; throws DataDirError naming what is wrong. */
export function decodeState(text: string, where: string): SavedState {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new DataDirError(`${where} is not JSON: ${(error as Error).message}`);
  }
  const bad = (what: string): never => {
    throw new DataDirError(`${where} is not a mock state file: ${what}`);
  };
  if (typeof value !== 'object' || value === null || value['format'] !== FORMAT) bad(`its "format" is not "${FORMAT}"`);
  if (value['version'] !== VERSION) bad(`version ${JSON.stringify(value['version'])} is not ${VERSION}`);
  const clock = value['clock'] as SavedState['clock'] | undefined;
  if (typeof clock !== 'object' || clock === null || (clock.mode !== 'real' && clock.mode !== 'virtual') || !Number.isFinite(clock.now) || !(clock.scale > 0)) bad('"clock" needs mode, scale and now');
  if (typeof value['algorithm'] !== 'string') bad('"algorithm" is missing');
  const record = (r: unknown, at: string): KeyRecord => {
    const d = r as RecordOnDisk;
    if (typeof d !== 'object' || d === null || typeof d.id !== 'string' || (d.kind !== 'modern' && d.kind !== 'legacy') || typeof d.tier !== 'string') bad(`${at} is not a key record`);
    if (!Array.isArray(d.scopes) || typeof d.hash !== 'string') bad(`${at} has no scopes or hash`);
    const hash = Buffer.from(d.hash, 'base64');
    if (hash.length !== 32) bad(`${at}.hash is not a SHA-256 digest`);
    if (d.kind === 'legacy' && typeof d.accessKey !== 'string') bad(`${at} is a legacy pair without an accessKey`);
    return { ...d, hash };
  };
  const arrayAt = (name: string): unknown[] => (Array.isArray(value[name]) ? (value[name] as unknown[]) : bad(`"${name}" is not an array`));
  const seedKeys = arrayAt('seedKeys').map((k, i) => {
    const { spec, record: r } = k as { spec: SeedKeySpec; record: unknown };
    if (typeof spec !== 'object' || spec === null || typeof spec.name !== 'string') bad(`seedKeys[${i}].spec has no name`);
    return { spec, record: record(r, `seedKeys[${i}].record`) };
  });
  const keys = arrayAt('keys').map((r, i) => record(r, `keys[${i}]`));
  const entitiesValue = value['entities'] as Record<string, unknown> | undefined;
  if (typeof entitiesValue !== 'object' || entitiesValue === null) bad('"entities" is missing');
  const entities = Object.fromEntries(
    COLLECTIONS.map((c) => {
      const list = entitiesValue![c];
      if (!Array.isArray(list)) bad(`entities.${c} is not an array`);
      (list as unknown[]).forEach((e, i) => {
        if (typeof e !== 'object' || e === null || typeof (e as Entity).id !== 'string') bad(`entities.${c}[${i}] has no id`);
      });
      return [c, list as Entity[]];
    }),
  ) as Record<Collection, Entity[]>;
  const limiter = arrayAt('limiter').map((pair, i) => {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'object' || pair[1] === null) bad(`limiter[${i}] is not [keyId, state]`);
    return pair as [string, LimiterState];
  });
  return { clock: clock!, algorithm: value['algorithm'] as RateLimitAlgorithm, seedKeys, store: { keys, entities, limiter } };
}

/**
 * The state kept in `dir`, or undefined when there is none yet. Creates the directory and removes
 * temporary files a crash left behind (they never replaced the state, so they hold nothing newer
 * that was complete).
 */
export function readState(dir: string): SavedState | undefined {
  try {
    mkdirSync(dir, { recursive: true });
    for (const name of readdirSync(dir)) if (name.startsWith(STATE_FILE) && name.endsWith(TEMP_SUFFIX)) rmSync(join(dir, name), { force: true });
  } catch (error) {
    throw new DataDirError(`cannot use the data directory ${dir}: ${(error as Error).message}`);
  }
  const path = join(dir, STATE_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new DataDirError(`cannot read ${path}: ${(error as Error).message}`);
  }
  return decodeState(text, path);
}

export const LOCK_FILE = 'lock';

/** Who holds a lock: a process, told apart from a later one with the same pid by its start. */
interface LockHolder {
  readonly pid: number;
  /** The process's start time (Linux: clock ticks since boot, from /proc); null elsewhere. */
  readonly start: string | null;
  readonly host: string;
}

/** When process `pid` started (Linux), or null where that cannot be read. */
function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

const thisProcess = (): LockHolder => ({ pid: process.pid, start: processStart(process.pid), host: hostname() });

/** Whether the holder a lock names still runs: same host, and the pid alive with the same start. */
function holderRuns(holder: LockHolder): boolean {
  // Another machine's lock (a shared volume): it cannot be checked from here, so it holds.
  if (holder.host !== hostname()) return true;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    // EPERM: it runs, as another user.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // The pid runs; a different start means it was reused (a restarted container's pid 1, say).
  const start = processStart(holder.pid);
  return holder.start === null || start === null || start === holder.start;
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    if (Number.isInteger(value.pid) && typeof value.host === 'string' && (typeof value.start === 'string' || value.start === null)) return value as LockHolder;
  } catch {
    // Not a lock this mock wrote.
  }
  return undefined;
}

/**
 * Claims `dir` for this process. Two mocks saving to one directory would each overwrite the
 * other's state; the second is refused instead. The lock file is made whole or not at all (written
 * aside, then hard-linked into place, which fails if it exists) and names the process by pid,
 * start time and host, so a lock whose process is gone — also when a new process has its pid —
 * is taken over; taking over renames the old lock aside, which only one process can do. Returns
 * the release, which removes the lock if it is still this process's; it also runs at exit.
 */
export function lockDataDir(dir: string): () => void {
  const path = join(dir, LOCK_FILE);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new DataDirError(`cannot use the data directory ${dir}: ${(error as Error).message}`);
  }
  const mine = JSON.stringify(thisProcess());
  const inUse = (holder: LockHolder) =>
    new DataDirError(`the data directory ${dir} is in use by process ${holder.pid}${holder.host === hostname() ? '' : ` on ${holder.host}`} (another casebender mock?); stop it or pass another --data (if no such mock runs, remove ${path})`);
  for (let attempt = 0; ; attempt++) {
    if (attempt > 3) throw new DataDirError(`cannot lock the data directory ${dir}: other processes keep taking ${path}`);
    if (createWhole(path, mine)) break;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // released meanwhile
      throw new DataDirError(`cannot read the lock ${path}: ${(error as Error).message}`);
    }
    const holder = parseHolder(text);
    if (holder !== undefined && holderRuns(holder)) throw inUse(holder);
    // Stale (its process is gone) or not a lock at all: take it over, one process at a time.
    const aside = `${path}.stale.${process.pid}`;
    try {
      renameSync(path, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // another took it over first
      throw new DataDirError(`cannot take over the lock ${path}: ${(error as Error).message}`);
    }
    const moved = readFileSync(aside, 'utf8');
    if (moved !== text) {
      // Between the read and the rename another process made a new lock: give it back.
      try {
        linkSync(aside, path);
      } finally {
        rmSync(aside, { force: true });
      }
      const fresh = parseHolder(moved);
      if (fresh !== undefined) throw inUse(fresh);
      continue;
    }
    rmSync(aside, { force: true });
  }
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    process.off('exit', release);
    try {
      if (readFileSync(path, 'utf8') === mine) rmSync(path, { force: true });
    } catch {
      // Already gone: nothing to release.
    }
  };
  process.on('exit', release);
  return release;
}

/** Makes `path` holding `text`, whole, unless it exists (false then). */
function createWhole(path: string, text: string): boolean {
  const temp = `${path}.${process.pid}${TEMP_SUFFIX}`;
  writeFileSync(temp, text, { mode: 0o600 });
  try {
    linkSync(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new DataDirError(`cannot lock the data directory: ${(error as Error).message}`);
  } finally {
    rmSync(temp, { force: true });
  }
}

/** Replaces the state file in one step: the old state or the new, never a torn file. */
export function writeState(dir: string, state: SavedState): void {
  const path = join(dir, STATE_FILE);
  const temp = `${path}.${process.pid}${TEMP_SUFFIX}`;
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, encodeState(state));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
  // The rename itself must reach the disk, or a power cut could bring the old name back.
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

export interface Saver {
  /** Something changed: save within the debounce delay. */
  changed(): void;
  /** Saves now if anything changed since the last save; throws when the write fails. */
  flush(): void;
  /** True while a change waits to be saved. */
  readonly pending: boolean;
}

/**
 * Saves `collect()` to `dir` at most once per `debounceMs` after changes. A failed background
 * save is reported through `onError` and retried at the next change or flush.
 *
 * @example
 * const saver = createSaver({ dir, collect: () => currentState(), debounceMs: 100 });
 * saver.changed(); // saved within 100 ms
 * saver.flush();   // or now
 */
export function createSaver(options: { dir: string; collect: () => SavedState; debounceMs?: number; onError?: (error: Error) => void }): Saver {
  const debounceMs = options.debounceMs ?? 100;
  let dirty = false;
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (!dirty) return;
    writeState(options.dir, options.collect());
    dirty = false;
  };
  return {
    changed() {
      dirty = true;
      if (timer !== undefined) return;
      timer = setTimeout(() => {
        try {
          flush();
        } catch (error) {
          (options.onError ?? ((e) => console.error(`casebender mock: cannot save the state: ${e.message}`)))(error as Error);
        }
      }, debounceMs);
      // A pending save never keeps the process alive; shutting down flushes instead.
      timer.unref();
    },
    flush,
    get pending() {
      return dirty;
    },
  };
}

/** The same stores, calling `changed` after every write (keys, entities, limiter, clear). */
export function observeStores(stores: Stores, changed: () => void): Stores {
  const after = <T>(result: T | Promise<T>): T | Promise<T> => {
    if (isPending(result)) return result.then((v) => (changed(), v));
    changed();
    return result;
  };
  return {
    keys: {
      findModern: (key) => stores.keys.findModern(key),
      findLegacy: (accessKey, secret) => stores.keys.findLegacy(accessKey, secret),
      get: (id) => stores.keys.get(id),
      list: () => stores.keys.list(),
      put: (record) => after(stores.keys.put(record)),
    },
    limiter: {
      take: (keyId, now, tier, algorithm) => after(stores.limiter.take(keyId, now, tier, algorithm)),
      peek: (keyId) => stores.limiter.peek(keyId),
    },
    entities: {
      get: (collection, id) => stores.entities.get(collection, id),
      all: (collection) => stores.entities.all(collection),
      put: (collection, entity) => after(stores.entities.put(collection, entity)),
      putAll: (writes) => after(stores.entities.putAll(writes)),
    },
    clear: () => after(stores.clear()),
  };
}
