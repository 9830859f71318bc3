// The rate-limit arithmetic of the contract (RL, HDR), as pure functions.
export { decideRate, HOUR_MS, type LimiterAlgorithm, type LimiterState, type RateDecision } from './limiter.js';
export { tokenBucket, UNITS_PER_TOKEN, type TokenBucketState } from './token-bucket.js';
export { bucketedLog, type BucketedLogState } from './bucketed-log.js';
export { fixedWindow, MINUTE_MS, type FixedWindowState, type WindowAnchor } from './fixed-window.js';
