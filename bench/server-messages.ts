// The IPC messages between bench/throughput.ts (the load generator) and its server children
// (bench/servers.ts). Kept JSON-safe: Node's default IPC serialisation is JSON.
import type { Profile } from '../contract/index.js';

export const SCENARIO_NAMES = ['read', 'unauthorized', 'limited'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** One answer as the mock sent it, for the bare server to replay byte for byte. */
export interface Replay {
  readonly status: number;
  /** Name/value pairs in the order and case sent, without the ones Node adds itself (Date, Connection, Keep-Alive). */
  readonly headers: readonly (readonly [string, string])[];
  /** The body bytes, base64 so they survive JSON. */
  readonly body: string;
}

export type ToChild =
  | { readonly kind: 'start'; readonly role: 'mock' }
  | { readonly kind: 'start'; readonly role: 'bare'; readonly replays: Partial<Record<ScenarioName, Replay>> }
  /** Asks for the child's CPU time so far, to tell which side of the loopback was the bottleneck. */
  | { readonly kind: 'usage' }
  /** Asks for the child's memory (bench/soak.ts). */
  | { readonly kind: 'memory' }
  | { readonly kind: 'stop' };

export type FromChild =
  | {
      readonly kind: 'ready';
      /** The loopback port serving each scenario (the mock serves them all on one port). */
      readonly ports: Partial<Record<ScenarioName, number>>;
      /** The mock's target profile: its keys are random at every start. */
      readonly profile?: Profile;
    }
  | { readonly kind: 'usage'; readonly cpuMicros: number }
  | { readonly kind: 'memory'; readonly rss: number; readonly heapUsed: number; readonly arrayBuffers: number }
  | { readonly kind: 'failed'; readonly message: string };
