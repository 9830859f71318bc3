// The mutation score: the suites against the mock with each fault (mock/faults). A fault is
// detected when every requirement it breaks is blamed (fail, warn or differs); a requirement
// blamed that it does not break is a misattribution; a requirement the clean mock does not pass
// is a false failure.
import { SINGLE_PROCESS_FAULTS as FAULTS, type Fault } from '../../mock/faults/faults.js';
import type { MutationReport } from '../report/run-report.js';
import { functionalRun, isRateLimitId, limitsRun, needsLimitsRun, type Blame } from './fault-run.js';

export type FaultResult = MutationReport['faultResults'][number];

/** How a fault's blame compares with what it breaks. */
export function judgeFault(fault: Pick<Fault, 'name' | 'breaks' | 'description'>, blamed: readonly string[], runs: FaultResult['runs']): Omit<FaultResult, 'seconds' | 'evidence'> {
  // A run judges only its own areas: without the load, RL/HDR requirements cannot be blamed or missed.
  const judged = (id: string) => runs.includes(isRateLimitId(id) ? 'limits' : 'functional');
  const breaks = fault.breaks.filter(judged);
  const missed = breaks.filter((id) => !blamed.includes(id));
  return { name: fault.name, description: fault.description, breaks: [...fault.breaks], blamed: [...blamed], detected: breaks.length > 0 && missed.length === 0, missed, misattributed: blamed.filter((id) => !fault.breaks.includes(id)), runs };
}

/** Both runs' blame together. */
export async function blameFor(faults: readonly string[], runs: FaultResult['runs'], timeScale?: number): Promise<Blame> {
  const parts: Blame[] = [];
  if (runs.includes('functional')) parts.push(await functionalRun(faults));
  if (runs.includes('limits')) parts.push(await limitsRun(faults, timeScale));
  return {
    blamed: [...new Set(parts.flatMap((p) => p.blamed))].sort(),
    lines: parts.flatMap((p) => p.lines),
    results: parts.flatMap((p) => p.results),
    ms: parts.reduce((t, p) => t + p.ms, 0),
    redact: (text) => parts.reduce((t, p) => p.redact(t), text),
    profile: parts[0]!.profile,
  };
}

export interface MutationRun {
  readonly report: MutationReport;
  /** The clean mock's blame (its results go into the run report). */
  readonly clean: Blame;
}

/** Runs the clean mock and every fault named (all by default); `onFault` reports progress. */
export async function mutationRun(options: { full: boolean; only?: readonly string[]; timeScale?: number; onFault?: (r: FaultResult) => void }): Promise<MutationRun> {
  const started = performance.now();
  const faults = options.only === undefined || options.only.length === 0 ? FAULTS : FAULTS.filter((f) => options.only!.includes(f.name));
  const cleanRuns: FaultResult['runs'] = options.full || faults.some((f) => needsLimitsRun(f, false)) ? ['functional', 'limits'] : ['functional'];
  let clean = await blameFor([], cleanRuns, options.timeScale);
  let cleanUnstable: string[] = [];
  if (clean.blamed.length > 0) {
    // As for a fault below: a second run tells a timing flake from a false failure, and says so.
    const first = clean;
    clean = await blameFor([], cleanRuns, options.timeScale);
    cleanUnstable = first.blamed.filter((id) => !clean.blamed.includes(id));
    clean = { ...clean, lines: [...first.lines.map((l) => `(first run) ${l}`), ...clean.lines] };
  }
  const faultResults: FaultResult[] = [];
  for (const fault of faults) {
    const runs: FaultResult['runs'] = needsLimitsRun(fault, options.full) ? ['functional', 'limits'] : ['functional'];
    let blame = await blameFor([fault.name], runs, options.timeScale);
    let result: FaultResult = { ...judgeFault(fault, blame.blamed, runs), seconds: Math.round(blame.ms / 100) / 10 };
    if (!result.detected || result.misattributed.length > 0) {
      // Timing-judged checks can miss or blame on a loaded machine: the same run once more tells a
      // flake from a wrong judgement. A verdict the two runs disagree on is kept, as `unstable`.
      const first = result;
      const firstLines = blame.lines.map((l) => `(first run) ${l}`);
      blame = await blameFor([fault.name], runs, options.timeScale);
      result = { ...judgeFault(fault, blame.blamed, runs), seconds: Math.round(blame.ms / 100) / 10 };
      const unstable = [...new Set([...first.missed, ...first.misattributed])].filter((id) => !result.missed.includes(id) && !result.misattributed.includes(id));
      if (unstable.length > 0) result.unstable = unstable;
      result.evidence = [...firstLines, ...blame.lines];
    }
    faultResults.push(result);
    options.onFault?.(result);
  }
  return {
    clean,
    report: {
      scope: options.full ? 'full' : 'quick',
      faults: faultResults.length,
      detected: faultResults.filter((r) => r.detected).length,
      misattributions: faultResults.reduce((n, r) => n + r.misattributed.length, 0),
      unstable: faultResults.filter((r) => r.unstable !== undefined).length,
      falseFailures: clean.blamed,
      ...(cleanUnstable.length > 0 ? { cleanUnstable } : {}),
      seconds: Math.round((performance.now() - started) / 1000),
      faultResults,
    },
  };
}

/** The score in one line, e.g. "36/36 faults detected (100%), 0 misattributions, 0 false failures". */
export function scoreLine(report: MutationReport): string {
  const pct = report.faults === 0 ? 100 : Math.floor((report.detected / report.faults) * 1000) / 10;
  const flaky = [
    ...(report.unstable !== undefined && report.unstable > 0 ? [`${report.unstable} fault${report.unstable === 1 ? '' : 's'}`] : []),
    ...(report.cleanUnstable !== undefined ? [`the clean mock (${report.cleanUnstable.join(', ')})`] : []),
  ];
  const unstable = flaky.length > 0 ? `; judged differently by a second run: ${flaky.join(', ')}` : '';
  return `mutation score: ${report.detected}/${report.faults} faults detected (${pct}%), ${report.misattributions} misattribution${report.misattributions === 1 ? '' : 's'}, ${report.falseFailures.length} false failure${report.falseFailures.length === 1 ? '' : 's'}${report.falseFailures.length > 0 ? ` (${report.falseFailures.join(', ')})` : ''} [${report.scope}]${unstable}`;
}
