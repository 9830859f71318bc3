// The target's time, the one clock every check reads. A deployment's time runs with ours; the mock
// may run faster (the profile's clock.timeScale: target ms a real ms), so a minute of its limiter
// passes in a second of ours. Checks speak in target time only: they wait target durations, send at
// target rates, and judge samples stored in target time (`restate`); only this module turns one
// into the other. The clock itself (where the target's time stands) is placed once a run, from the
// target's control API, else the Date headers of its answers, else this machine's.
import type { LoadRun } from '../ratelimit/load-driver.js';
import { timelineOf } from '../ratelimit/load-driver.js';
import { describeClock, type TargetClock } from './target-clock.js';

export type ClockSource = 'control API' | 'Date headers' | 'this machine';

/** Where the target's clock stands against this machine's. */
export interface PlacedClock {
  readonly source: ClockSource;
  /** The target's clock (Unix ms) at a real instant (Unix ms, this machine's clock). */
  at(realUnixMs: number): number;
  /** The target's clock now (Unix ms). */
  now(): number;
  /** How far the placement may be off, in target ms: 0 unless estimated from Date headers. */
  readonly uncertaintyMs: number;
  /** The estimate, when placed from Date headers. */
  readonly estimate?: TargetClock;
  /** "the target's clock, from its control API", …: for notes. */
  describe(): string;
}

export interface TargetTime {
  /** Real ms that pass while `targetMs` pass on the target. */
  realMs(targetMs: number): number;
  /** Target ms that pass while `realMs` pass here. */
  targetMs(realMs: number): number;
  /** Per real second, a rate of `perTargetSecond` a target second. */
  realRate(perTargetSecond: number): number;
  /** Waits `targetMs` of the target's time. */
  sleep(targetMs: number): Promise<void>;
  /** Waits until the target's clock reads `targetUnixMs` (never early: Node's timers may be). */
  until(clock: PlacedClock, targetUnixMs: number): Promise<void>;
  /** The target's clock, placed once per run (later calls give the same placement). */
  clock(): Promise<PlacedClock>;
  /**
   * A load run recorded in real time, in target time: `startedAt` on the target's clock, sample
   * times (from the run's start), latencies and the duration in target ms, the timeline in target
   * seconds.
   */
  restate(run: LoadRun, clock: PlacedClock): LoadRun;
}

/** This machine's clock, for a target that tells nothing of its own. */
export function machineClock(scale = 1, realNow: () => number = Date.now): PlacedClock {
  return offsetClock('this machine', realNow(), realNow(), scale, realNow);
}

/** A clock that read `targetNow` at the real instant `realAt` and runs `scale` times as fast as ours. */
export function offsetClock(source: ClockSource, targetNow: number, realAt: number, scale: number, realNow: () => number = Date.now, uncertaintyMs = 0, estimate?: TargetClock): PlacedClock {
  const at = (real: number) => targetNow + (real - realAt) * scale;
  return {
    source,
    at,
    now: () => at(realNow()),
    uncertaintyMs,
    ...(estimate !== undefined ? { estimate } : {}),
    describe: () =>
      source === 'Date headers' && estimate !== undefined
        ? `the target's clock, from its Date headers: ${describeClock(estimate)} from this machine's`
        : source === 'control API'
          ? "the target's clock, from its control API"
          : "this machine's clock (the target sends no Date header)",
  };
}

/** A clock placed from the Date headers of the target's answers (target-clock.ts). */
export function estimatedClock(estimate: TargetClock, realNow: () => number = Date.now): PlacedClock {
  const now = realNow();
  // The estimate's own scale: two instants a second apart.
  const scale = (estimate.toTarget(now + 1000) - estimate.toTarget(now)) / 1000;
  return offsetClock('Date headers', estimate.toTarget(now), now, scale, realNow, estimate.uncertaintyMs, estimate);
}

/**
 * The target's time at `scale` target ms a real ms. `place` finds the target's clock (asked once);
 * without it, this machine's clock at that scale.
 */
export function targetTime(scale: number, place: () => Promise<PlacedClock> = async () => machineClock(scale)): TargetTime {
  if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`a time scale must be a positive number; got ${scale}`);
  let placed: Promise<PlacedClock> | undefined;
  const realMs = (targetMs: number) => targetMs / scale;
  return {
    realMs,
    targetMs: (real) => real * scale,
    realRate: (perTargetSecond) => perTargetSecond * scale,
    sleep: (targetMs) => new Promise((r) => setTimeout(r, Math.max(0, realMs(targetMs)))),
    async until(clock, targetUnixMs) {
      for (let left = realMs(targetUnixMs - clock.now()); left > 0; left = realMs(targetUnixMs - clock.now())) {
        await new Promise((r) => setTimeout(r, Math.max(1, Math.ceil(left))));
      }
    },
    clock: () => (placed ??= place()),
    restate(run, clock) {
      const samples = run.samples.map((s) => ({ ...s, at: s.at * scale, ...(s.latency !== undefined ? { latency: s.latency * scale } : {}) }));
      return { ...run, startedAt: clock.at(run.startedAt), durationMs: run.durationMs * scale, samples, timeline: timelineOf(samples) };
    },
  };
}
