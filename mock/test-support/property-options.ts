// fast-check run options shared by property tests: a printed, replayable seed.
// FC_SEED=<n> replays a run; FC_RUNS=<n> changes the number of runs.

let logged = false;
const seed = process.env['FC_SEED'] !== undefined ? Number(process.env['FC_SEED']) : (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;

/**
 * @example
 * fc.assert(fc.property(fc.string(), (s) => ...), propertyOptions());
 */
export function propertyOptions(numRuns = 200): { seed: number; numRuns: number } {
  if (!logged) {
    logged = true;
    console.log(`fast-check seed: ${seed} (replay with FC_SEED=${seed})`);
  }
  const runs = process.env['FC_RUNS'] !== undefined ? Number(process.env['FC_RUNS']) : numRuns;
  return { seed, numRuns: runs };
}
