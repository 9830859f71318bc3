// `npm run mutation`: the suites judged by the faults they catch. Runs the clean mock and the mock
// with each fault of mock/faults, prints a line per fault and the score, and writes the clean
// run's report with a `mutation` section (report.json, junit.xml) under reports/mutation/.
// Exit 0 when every fault is detected with no misattribution and no false failure.
import { parseArgs } from 'node:util';
import { SINGLE_PROCESS_FAULTS as FAULTS } from '../../mock/faults/faults.js';
import { buildRunReport } from '../report/run-report.js';
import { writeReports } from '../report/write-reports.js';
import { mutationRun, scoreLine } from './mutation-score.js';

const USAGE = `Usage: npm run mutation -- [--quick] [--only NAME[,NAME]] [--time-scale N] [--report-dir DIR]

Runs the conformance suites against the embedded mock with each fault (casebender mock
--list-faults) and prints the mutation score: faults detected under the requirement(s) they
break, misattributions (other requirements blamed) and false failures (the clean mock blamed).

  --quick           the rate-limit load only for faults that break RL/HDR (default: every fault)
  --only LIST       only these faults
  --time-scale N    target seconds a real second for the load (default 30; npm test uses 60)
  --report-dir DIR  where the report goes: DIR/<run>/ and DIR/latest (default reports/mutation)`;

export async function runMutationCommand(argv: readonly string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: [...argv], strict: true, allowPositionals: false, options: { quick: { type: 'boolean', default: false }, only: { type: 'string' }, 'time-scale': { type: 'string', default: '30' }, 'report-dir': { type: 'string', default: 'reports/mutation' }, help: { type: 'boolean', short: 'h', default: false } } }));
  } catch (error) {
    console.error(`mutation: ${(error as Error).message.split('\n')[0]}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const timeScale = Number(values['time-scale']);
  if (!(timeScale > 0) || !Number.isFinite(timeScale)) {
    console.error(`mutation: --time-scale must be a positive number; got "${values['time-scale']}"`);
    return 2;
  }
  const only = values.only?.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const unknown = (only ?? []).filter((n) => !FAULTS.some((f) => f.name === n));
  if (unknown.length > 0) {
    console.error(`mutation: unknown fault ${unknown.join(', ')}; casebender mock --list-faults lists them`);
    return 2;
  }
  const startedAt = new Date();
  console.log(`mutation: ${only?.length ?? FAULTS.length} faults, ${values.quick ? 'quick (the load only for rate-limit faults)' : 'full (every area for every fault)'}`);
  const { report, clean } = await mutationRun({
    full: !values.quick,
    timeScale,
    ...(only !== undefined ? { only } : {}),
    onFault: (r) => {
      const mark = r.detected && r.misattributed.length === 0 ? 'ok  ' : 'FAIL';
      console.log(`${mark} ${r.name.padEnd(40)} breaks ${r.breaks.join(', ').padEnd(16)} blamed ${(r.blamed.join(', ') || '-').padEnd(16)} ${r.seconds} s`);
      if (r.unstable !== undefined) console.log(`     unstable: a first run judged ${r.unstable.join(', ')} otherwise; the second run above agrees with the fault`);
      if (mark === 'FAIL' || r.unstable !== undefined) for (const line of r.evidence ?? []) console.log(`       ${line.split('\n')[0]}`);
    },
  });
  for (const line of clean.lines) console.log(`clean mock: ${line.split('\n')[0]}`);
  console.log(scoreLine(report));
  // The clean run's results, as a report of their own, carry the score.
  const runReport = buildRunReport({
    results: clean.results,
    profile: clean.profile,
    targetKind: 'embedded',
    startedAt,
    options: { strict: false, full: false, seed: 7, budget: 100_000 },
    requests: 0,
    conformant: clean.blamed.length === 0,
    redact: clean.redact,
  });
  runReport.mutation = report;
  try {
    const written = writeReports(runReport, values['report-dir'], ['json', 'junit'], (r) => r === 'fail');
    console.log(`report: ${written.files.join(', ')}`);
  } catch (error) {
    console.error(`mutation: could not write the report to ${values['report-dir']}: ${(error as Error).message}`);
  }
  const perfect = report.detected === report.faults && report.misattributions === 0 && report.falseFailures.length === 0;
  return perfect ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = await runMutationCommand(process.argv.slice(2));
