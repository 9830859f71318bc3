// The target's clock, estimated from the `Date` headers of its answers, for a deployment the suites
// cannot ask (no control API): a correct deployment whose clock is a few seconds off this machine's
// must not be blamed under HDR-2, and the limiter's windows are placed on its clock, not ours.
//
// The model: target time = c + real time × scale (scale from the profile, 1 for a deployment). An
// answer stamped `Date: D` (whole seconds) was made at a target time in [D, D + 1 s), at a real
// time between the request's sending and the answer's arrival; so c lies in
// (D − arrival × scale, D + 1 s − sending × scale). Intersecting those intervals over answers made
// at different phases of the second narrows c to about one round trip.

export interface TargetClock {
  /** The target's time (Unix ms) at a real instant (Unix ms). */
  toTarget(realMs: number): number;
  /** How far the target's clock is from this machine's now, in ms (target − local). */
  readonly offsetMs: number;
  /** Half the width of what the answers allow: the offset is known to ± this. */
  readonly uncertaintyMs: number;
  /** How many Date headers the estimate rests on. */
  readonly samples: number;
}

export interface ClockEstimator {
  /** One answer: when its request left, when its answer came (local Unix ms), and its Date header. */
  add(sentAt: number, receivedAt: number, date: string | undefined): void;
  /** The estimate, or undefined without a usable Date header. */
  estimate(): TargetClock | undefined;
  readonly samples: () => number;
}

export function clockEstimator(scale = 1, realNow: () => number = Date.now): ClockEstimator {
  let lo = -Infinity;
  let hi = Infinity;
  let samples = 0;
  // The newest answer's interval: where the intersection comes out empty (the target's clock was
  // stepped), the estimate starts again from it.
  return {
    add(sentAt, receivedAt, date) {
      if (date === undefined) return;
      const d = Date.parse(date);
      if (!Number.isFinite(d)) return;
      const from = d - receivedAt * scale;
      const to = d + 1000 - sentAt * scale;
      if (from > hi || to < lo) {
        lo = from;
        hi = to;
        samples = 1;
        return;
      }
      lo = Math.max(lo, from);
      hi = Math.min(hi, to);
      samples++;
    },
    estimate() {
      if (samples === 0) return undefined;
      const c = (lo + hi) / 2;
      const toTarget = (real: number) => c + real * scale;
      const now = realNow();
      return { toTarget, offsetMs: toTarget(now) - now, uncertaintyMs: (hi - lo) / 2, samples };
    },
    samples: () => samples,
  };
}

/** `+5.0 s (± 0.3 s, from 12 Date headers)`: for reports. */
export function describeClock(clock: TargetClock): string {
  const s = clock.offsetMs / 1000;
  return `${s >= 0 ? '+' : '−'}${Math.abs(s).toFixed(1)} s (± ${(clock.uncertaintyMs / 1000).toFixed(1)} s, from ${clock.samples} Date header${clock.samples === 1 ? '' : 's'})`;
}
