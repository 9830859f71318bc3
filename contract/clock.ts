// The mock's clocks (contract: the mock's own surface): real, virtual (moved only by the
// control API) and scaled (one real second counts as `scale` seconds). All give integer Unix ms.

export type ClockMode = 'real' | 'virtual';

export interface Clock {
  readonly mode: ClockMode;
  readonly scale: number;
  now(): number;
  /** Moves the clock to `at` (virtual clocks only). */
  set(at: number): void;
  /** Moves the clock forward by `ms` (virtual clocks only). */
  advance(ms: number): void;
}

/**
 * @example
 * const clock = createClock({ mode: 'virtual', start: 0 });
 * clock.advance(60_000);
 * clock.now() // 60000
 */
export function createClock(options: { mode: ClockMode; scale?: number; start?: number; origin?: number; realNow?: () => number }): Clock {
  const realNow = options.realNow ?? Date.now;
  const scale = options.scale ?? 1;
  if (!(scale > 0) || !Number.isFinite(scale)) throw new Error(`time scale must be a positive number; got ${scale}`);
  if (options.mode === 'virtual') {
    let current = Math.floor(options.start ?? realNow());
    return {
      mode: 'virtual',
      scale,
      now: () => current,
      set(at) {
        current = Math.floor(at);
      },
      advance(ms) {
        if (!(ms >= 0)) throw new Error(`the clock only moves forward; got ${ms} ms`);
        current += Math.floor(ms);
      },
    };
  }
  // Processes given one origin and start read one time (the workers of a shared mock).
  const origin = options.origin ?? realNow();
  const start = options.start ?? origin;
  const refuse = (): never => {
    throw new Error('the real clock cannot be set; start the mock with --clock virtual');
  };
  return {
    mode: 'real',
    scale,
    now: scale === 1 && options.start === undefined && options.origin === undefined ? () => realNow() : () => Math.floor(start + (realNow() - origin) * scale),
    set: refuse,
    advance: refuse,
  };
}
