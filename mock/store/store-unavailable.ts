// The one error a store throws when its backend cannot be reached; the app answers it with 503
// problem+json (fail closed) or, with --on-store-error open, serves from what it last read.

export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`the shared store is unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** What a mock does while its shared store is unreachable. */
export type StoreErrorMode = 'closed' | 'open';
