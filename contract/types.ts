// Shared vocabulary of the core model: the nouns of the contract as types.

/** A tier's limits: m requests a minute, h an hour, b burst. `null` means Unlimited. */
export interface TierLimits {
  readonly perMinute: number;
  readonly perHour: number;
  readonly burst: number;
}

export type TierName = 'basic' | 'standard' | 'professional' | 'enterprise' | 'unlimited';
export type TierTable = Readonly<Record<string, TierLimits | null>>;

export type RateLimitAlgorithm = 'token-bucket' | 'sliding-window' | 'fixed-window';

/** Policies a profile may change (contract: Operations and their scopes, REF). */
export interface Policy {
  readonly adminImpliesAll: boolean;
  readonly writeImpliesRead: boolean;
  readonly defaultTlpClearance: number;
  readonly defaultPapClearance: number;
  readonly rateLimitAlgorithm: RateLimitAlgorithm;
  readonly realm: string;
  readonly legacy: {
    readonly deprecation: string;
    readonly link: string;
    readonly sunset: string | null;
  };
  /** The mock's HTTP limits (fixtures/policy.json): not the contract's, the adapter's. */
  readonly limits: HttpLimits;
}

/** Sizes and timeouts the node:http adapter enforces on every request (ERR-5). */
export interface HttpLimits {
  /** A body past this many bytes gets 413 body_too_large. */
  readonly maxBodyBytes: number;
  /** A request line and header fields past this many bytes get 431 headers_too_large. */
  readonly maxHeaderBytes: number;
  /** The request head must be complete this long after the connection or the last request (408). */
  readonly headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this (408). */
  readonly requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  readonly keepAliveTimeoutMs: number;
}

export interface Operation {
  readonly id: string;
  readonly method: string;
  readonly path: string;
  readonly scopes: readonly string[];
}

export type KeyKind = 'modern' | 'legacy';
export type KeyStatus = 'active' | 'expired' | 'revoked' | 'suspended';

/** What the store keeps of a key: metadata and hashes, never the key itself. */
export interface KeyRecord {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  readonly kind: KeyKind;
  readonly tier: string;
  readonly scopes: readonly string[];
  readonly tlpClearance: number;
  readonly papClearance: number;
  /** Unix ms; the key stops working at this instant (KEY-2). */
  readonly expiresAt?: number;
  readonly revokedAt?: number;
  readonly suspended: boolean;
  readonly createdAt: number;
  /** A short display prefix (never enough to use the key). */
  readonly prefix: string;
  /** The user the key belongs to (GET /users/me). */
  readonly userId?: string;
  /** Legacy pairs only: the public access key. */
  readonly accessKey?: string;
  /** SHA-256 of the modern key or of the legacy secret. */
  readonly hash: Uint8Array;
}

/** The identity a request gets once its credential is accepted. */
export interface Identity {
  readonly key: KeyRecord;
  readonly method: CredentialMethod;
}

import type { ProblemCode } from './problem.js';

export type CredentialMethod = 'bearer' | 'x-api-key' | 'legacy';

/** A failure as data, turned into problem+json in one place (problem.ts). */
export interface Failure {
  readonly status: number;
  readonly code: ProblemCode;
  readonly detail: string;
  /** Extra headers this failure requires (WWW-Authenticate, Retry-After, ...). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Field-level validation errors (400). */
  readonly errors?: readonly { field: string; message: string }[];
}

export type Result<T, E = Failure> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const fail = <E>(error: E): Result<never, E> => ({ ok: false, error });
