// Opening the shared store for `casebender mock --store redis://...`: connect once (a Redis that
// is down at start is a start-up error), then keep reconnecting in the background and say so in
// the log: when the connection is lost, when it is back, and when Redis came back without the
// mock's state (then the seed is put back, in one step).
import { failOpen } from '../fail-open.js';
import type { StoreErrorMode } from '../store-unavailable.js';
import type { Stores, StoreSnapshot } from '../../../contract/store-types.js';
import { createRedisClient, createRedisStore, type RedisStores } from './redis-store.js';

export class StoreConnectError extends Error {}

export interface OpenedStore {
  /** What the app uses: the Redis store, wrapped by failOpen in mode "open". */
  readonly stores: Stores;
  readonly redis: RedisStores;
  /** Gives the snapshot to put back if Redis comes back empty (the seed of this mock). */
  setSnapshot(snapshot: StoreSnapshot): void;
  close(): Promise<void>;
}

/** Where the password of a redis:// URL would be, hidden for the log. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//‹credentials›@');
}

/**
 * @example
 * const { stores } = await openRedisStore('redis://127.0.0.1:6379', { mode: 'closed', log: console.log });
 */
export async function openRedisStore(url: string, options: { mode: StoreErrorMode; log: (line: string) => void; prefix?: string }): Promise<OpenedStore> {
  const shown = redactUrl(url);
  const client = createRedisClient(url);
  let lastError = '';
  client.on('error', (error: Error) => {
    lastError = error.message;
  });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    client.disconnect();
    throw new StoreConnectError(`cannot reach the store at ${shown}: ${lastError || (error as Error).message}`);
  }
  const redis = createRedisStore(client, options.prefix !== undefined ? { prefix: options.prefix } : {});
  let snapshot: StoreSnapshot | undefined;
  let lost = false;
  let closing = false;
  let degradedSaid = false;
  client.on('close', () => {
    if (lost || closing) return;
    lost = true;
    degradedSaid = false;
    const then = options.mode === 'closed' ? 'answering 503 until it is back (--on-store-error closed)' : 'answering from what this process last read (--on-store-error open)';
    options.log(`lost the store at ${shown}${lastError ? ` (${lastError})` : ''}; reconnecting, ${then}`);
  });
  client.on('ready', () => {
    if (!lost) return;
    lost = false;
    options.log(`reconnected to the store at ${shown}`);
    if (snapshot === undefined) return;
    redis.replaceAll(snapshot, { ifEmpty: true }).then(
      (reseeded) => reseeded && options.log(`the store at ${shown} came back without the mock's state; the seed is back (keys minted since, and rate-limit state, are gone)`),
      (error: Error) => options.log(`could not check the store after reconnecting: ${error.message}`),
    );
  });
  const stores =
    options.mode === 'open'
      ? failOpen(redis, () => {
          if (degradedSaid) return;
          degradedSaid = true;
          options.log('answering from this process’s last reads and per-process limits while the store is away');
        })
      : redis;
  return {
    stores,
    redis,
    setSnapshot: (s) => (snapshot = s),
    close: () => {
      closing = true;
      return redis.close();
    },
  };
}
