// The state file of `--data`: its round trip, atomic replacement, clear refusals of files that
// are not ours, and the debounced saver.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mintKey } from '../../contract/mint-key.js';
import { decodeState, encodeState, readState, STATE_FILE, writeState, createSaver, DataDirError, lockDataDir, LOCK_FILE, type SavedState } from './data-dir.js';
import { spawn, spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { createMemoryStore } from './memory-store.js';

const NOW = Date.UTC(2026, 10, 27, 12);
const DEFAULTS = { tlp: 4, pap: 4 };

/** A store with a modern key, a legacy pair, an entity and a limiter state in it. */
function sampleState(): SavedState {
  const store = createMemoryStore();
  const modern = mintKey({ name: 'm', tier: 'basic', scopes: ['alerts:read'], expiresAt: NOW + 1000 }, NOW, DEFAULTS);
  const legacy = mintKey({ name: 'l', kind: 'legacy', tier: 'basic', scopes: [] }, NOW, DEFAULTS);
  store.keys.put(modern.record);
  store.keys.put(legacy.record);
  store.entities.put('alerts', { id: 'alert_1', title: 'x', tlp: 2, pap: 1, tags: ['a'] });
  store.limiter.take(modern.record.id, NOW, { perMinute: 60, perHour: 1000, burst: 10 }, 'token-bucket');
  return {
    clock: { mode: 'virtual', scale: 1, now: NOW },
    algorithm: 'token-bucket',
    seedKeys: [{ spec: { name: 'm', tier: 'basic', scopes: ['alerts:read'] }, record: modern.record }],
    store: store.exportState(),
  };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cb-data-'));
});
afterEach(() => {
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

describe('the state file', () => {
  it('gives back what was saved: records with their hashes, entities, limiter state, clock', () => {
    const state = sampleState();
    const back = decodeState(encodeState(state), 'state.json');
    expect(back).toEqual({ ...state, store: { ...state.store, keys: state.store.keys.map((r) => ({ ...r, hash: Buffer.from(r.hash) })) }, seedKeys: state.seedKeys.map((k) => ({ ...k, record: { ...k.record, hash: Buffer.from(k.record.hash) } })) });
    // A restored store answers the same lookups.
    const store = createMemoryStore();
    store.importState(back.store);
    expect(store.exportState()).toEqual(back.store);
  });

  it('holds hashes only, never the key material', () => {
    const store = createMemoryStore();
    const minted = mintKey({ name: 'secret-holder', tier: 'basic', scopes: [] }, NOW, DEFAULTS);
    const pair = mintKey({ name: 'pair', kind: 'legacy', tier: 'basic', scopes: [] }, NOW, DEFAULTS);
    store.keys.put(minted.record);
    store.keys.put(pair.record);
    const text = encodeState({ clock: { mode: 'real', scale: 1, now: NOW }, algorithm: 'token-bucket', seedKeys: [], store: store.exportState() });
    expect(minted.material.kind === 'modern' && text.includes(minted.material.key)).toBe(false);
    expect(pair.material.kind === 'legacy' && text.includes(pair.material.secret)).toBe(false);
  });

  it('is replaced whole, owner-only, with no temporary file left', () => {
    writeState(dir, sampleState());
    const second = sampleState();
    writeState(dir, second);
    expect(readdirSync(dir)).toEqual([STATE_FILE]);
    expect(statSync(join(dir, STATE_FILE)).mode & 0o777).toBe(0o600);
    expect(readState(dir)?.store.keys.map((k) => k.id)).toEqual(second.store.keys.map((k) => k.id));
  });

  it('ignores and removes a torn temporary file a crash left, keeping the last complete state', () => {
    const state = sampleState();
    writeState(dir, state);
    const torn = encodeState(sampleState()).slice(0, 100);
    writeFileSync(join(dir, `${STATE_FILE}.4242.tmp`), torn);
    expect(readState(dir)?.store.keys.map((k) => k.id)).toEqual(state.store.keys.map((k) => k.id));
    expect(existsSync(join(dir, `${STATE_FILE}.4242.tmp`))).toBe(false);
  });

  it('is absent in a new directory, which is created', () => {
    const fresh = join(dir, 'a', 'b');
    expect(readState(fresh)).toBeUndefined();
    expect(statSync(fresh).isDirectory()).toBe(true);
  });

  it.each([
    ['not JSON', '{"format": "casebender-mock-state", ', /is not JSON/],
    ['another format', '{"format": "something-else"}', /not a mock state file: its "format"/],
    ['another version', '{"format": "casebender-mock-state", "version": 99}', /version 99 is not 1/],
  ])('refuses a file that is %s, naming the file and the fault', (_name, text, message) => {
    writeFileSync(join(dir, STATE_FILE), text);
    expect(() => readState(dir)).toThrow(DataDirError);
    expect(() => readState(dir)).toThrow(message);
    expect(readFileSync(join(dir, STATE_FILE), 'utf8')).toBe(text);
  });

  it('refuses a key record whose hash is not a SHA-256 digest', () => {
    const good = JSON.parse(encodeState(sampleState())) as { keys: { hash: string }[] };
    good.keys[0]!.hash = Buffer.alloc(5).toString('base64');
    expect(() => decodeState(JSON.stringify(good), 'x.json')).toThrow('x.json is not a mock state file: keys[0].hash is not a SHA-256 digest');
  });
});

describe('the lock', () => {
  const holderOf = () => JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')) as { pid: number; start: string | null; host: string };

  it('refuses a second claim while the first holds it, naming the holder; after release it can be claimed again', () => {
    const release = lockDataDir(dir);
    expect(holderOf()).toMatchObject({ pid: process.pid, host: hostname() });
    expect(() => lockDataDir(dir)).toThrow(DataDirError);
    expect(() => lockDataDir(dir)).toThrow(`is in use by process ${process.pid} (another casebender mock?)`);
    release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    lockDataDir(dir)();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('takes over a lock whose process is gone, whose pid a later process has (another start), or which is not a lock', () => {
    const gone = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
    const stale = [
      JSON.stringify({ pid: gone, start: '1', host: hostname() }),
      // The same pid as this process, started at another time: a restarted container's pid 1.
      JSON.stringify({ pid: process.pid, start: 'another start', host: hostname() }),
      'not a lock',
      '',
    ];
    for (const text of stale) {
      writeFileSync(join(dir, LOCK_FILE), text);
      const release = lockDataDir(dir);
      expect(holderOf().pid, text).toBe(process.pid);
      release();
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a lock held on another host (a shared volume), naming it', () => {
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 1, start: '1', host: 'elsewhere.example' }));
    expect(() => lockDataDir(dir)).toThrow('is in use by process 1 on elsewhere.example');
  });

  it('releases only its own lock', () => {
    const release = lockDataDir(dir);
    writeFileSync(join(dir, LOCK_FILE), 'someone else');
    release();
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe('someone else');
  });

  it('of several processes claiming at once, exactly one gets it (the winner holds it 8 s, longer than the others take to start)', async () => {
    const script = `import('${new URL('./data-dir.ts', import.meta.url).href}').then(({ lockDataDir }) => { try { lockDataDir(${JSON.stringify(dir)}); process.stdout.write('won'); setTimeout(() => {}, 8000); } catch (e) { process.stdout.write('lost'); } })`;
    const runs = Array.from({ length: 6 }, () =>
      new Promise<string>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
        child.on('exit', () => resolve(out));
      }),
    );
    const outcomes = await Promise.all(runs);
    expect(outcomes.filter((o) => o === 'won')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'lost')).toHaveLength(5);
  }, 30_000);
});

describe('the saver', () => {
  it('writes once per debounce delay however many changes come, and not without a change', () => {
    vi.useFakeTimers();
    let collected = 0;
    const saver = createSaver({ dir, collect: () => (collected++, sampleState()), debounceMs: 100 });
    vi.advanceTimersByTime(500);
    expect(collected).toBe(0);
    for (let i = 0; i < 50; i++) saver.changed();
    expect(saver.pending).toBe(true);
    vi.advanceTimersByTime(99);
    expect(collected).toBe(0);
    vi.advanceTimersByTime(1);
    expect(collected).toBe(1);
    expect(saver.pending).toBe(false);
    expect(readState(dir)).toBeDefined();
  });

  it('writes at once on flush, and only when something changed', () => {
    let collected = 0;
    const saver = createSaver({ dir, collect: () => (collected++, sampleState()), debounceMs: 60_000 });
    saver.flush();
    expect(collected).toBe(0);
    saver.changed();
    saver.flush();
    expect(collected).toBe(1);
    expect(existsSync(join(dir, STATE_FILE))).toBe(true);
  });

  it('reports a failed background save and keeps the change pending for the next try', () => {
    vi.useFakeTimers();
    const errors: string[] = [];
    const saver = createSaver({ dir: join(dir, 'missing'), collect: sampleState, debounceMs: 10, onError: (e) => errors.push(e.message) });
    saver.changed();
    vi.advanceTimersByTime(10);
    expect(errors).toEqual([expect.stringContaining('ENOENT')]);
    expect(saver.pending).toBe(true);
  });
});
