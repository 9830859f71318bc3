// What one limiting algorithm says about one request, before the combination decides (limiter.ts).

/** A minute or hour check of one request at one instant. `next` is the state if the request is admitted. */
export interface WindowCheck<S> {
  readonly allowed: boolean;
  /** Requests that would still be admitted right after this one (when allowed). */
  readonly remaining: number;
  /** When refused: milliseconds until one request would be admitted. */
  readonly waitMs: number;
  /** Milliseconds until the allowance is whole again (after admitting this request). */
  readonly fullMs: number;
  readonly next: S;
}
