// The contract both halves share, behind one entry: the pure rules (credentials and their
// precedence, keys and their lifecycle, scopes, TLP/PAP clearance, limits and their algorithms,
// problem codes, the request pipeline's order), the requirement catalogue, the profile type and
// its loader, the fixture and schema loaders, and the store interfaces. The suites, benchmarks
// and scripts import it from here only (contract/import-rules.test.ts); the mock's own modules
// import the files they need directly, so that the browser build of its MSW handlers takes only
// those (and ./platform/browser.ts for ./platform/node.ts).
export * from './answer.js';
export * from './authenticate.js';
export * from './bounded-memo.js';
export * from './clearance.js';
export * from './clock.js';
export * from './credentials.js';
export * from './entities.js';
export * from './handle-request.js';
export * from './json-schema.js';
export * from './key-material.js';
export * from './limits/index.js';
export * from './memory-entities.js';
export * from './mint-key.js';
export * from './model.js';
export * from './platform/node.js';
export * from './problem.js';
export * from './profile.js';
export * from './rate-limit-headers.js';
export * from './requirements.js';
export * from './resources.js';
export * from './router.js';
export * from './scopes.js';
export * from './seed.js';
export * from './store-types.js';
export * from './transport-limits.js';
export * from './types.js';
export * from './validation.js';
