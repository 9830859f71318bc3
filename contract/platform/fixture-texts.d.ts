// Written by scripts/build.mjs into dist/contract/platform/fixture-texts.js: the text of every file
// in fixtures/ (OpenAPI document, seed, schemas), for the browser build (./browser.ts).
export declare const FIXTURE_TEXTS: Readonly<Record<string, string>>;
