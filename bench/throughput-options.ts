// The command line of bench/throughput.ts, parsed into options or one clear error line.
import { integerOption, listOption, parseOptions, positiveNumberOption, UsageError, type Wording } from '../cli/args.js';
import { SCENARIO_NAMES, type ScenarioName } from './server-messages.js';

export interface ThroughputOptions {
  /** Seconds of each measured run (a 1 s warm-up comes first and is discarded). */
  readonly duration: number;
  readonly rounds: number;
  readonly connections: number;
  readonly scenarios: readonly ScenarioName[];
  readonly json: string | undefined;
  /** Directory for V8 CPU profiles of the server children, one subdirectory per side (--cpu-prof). */
  readonly cpuProf: string | undefined;
  /** Pin autocannon and the server to different cores (Linux, taskset). */
  readonly pin: boolean;
}

export type ParsedCommand = { kind: 'run'; options: ThroughputOptions } | { kind: 'help' } | { kind: 'error'; message: string };

export const USAGE = `Usage: npm run bench -- [options]   (node --import tsx bench/throughput.ts)

Measures the mock against a bare node:http server replaying the same bytes, on 127.0.0.1.

  --duration S          seconds per measured run, after a 1 s warm-up (default 3)
  --rounds N            rounds; in each, per scenario, one bare and one mock run back to back, in
                        alternating order; the ratio is the median over rounds of the two (default 5)
  --connections N       autocannon connections, pipelining 1 (default 50)
  --scenario LIST       any of ${SCENARIO_NAMES.join(',')} (default: all)
  --json FILE           also write the results as JSON
  --cpu-prof DIR        write V8 CPU profiles of the server children into DIR/mock and DIR/bare (e.g. /tmp/cb-prof)
  --no-pin              do not pin autocannon to CPU 0 and the server to CPU 1 (Linux, taskset)
  --help                this text`;

/**
 * @example
 * parseThroughputArgs(['--rounds', '1']) // { kind: 'run', options: { rounds: 1, duration: 3, ... } }
 * parseThroughputArgs(['--fast'])        // { kind: 'error', message: 'unknown option --fast ...' }
 */
export function parseThroughputArgs(args: readonly string[]): ParsedCommand {
  try {
    return parse(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return { kind: 'error', message: error.message };
  }
}

/** The refusal of a number: "--rounds takes a positive integer; got "0"". */
const TAKES: Wording = (flag, expected, raw) => `${flag} takes ${expected}; got ${JSON.stringify(raw)}`;

function parse(args: readonly string[]): ParsedCommand {
  let values;
  try {
    values = parseOptions(args, {
      duration: { type: 'string' },
      rounds: { type: 'string' },
      connections: { type: 'string' },
      scenario: { type: 'string' },
      json: { type: 'string' },
      'cpu-prof': { type: 'string' },
      'no-pin': { type: 'boolean' },
      help: { type: 'boolean' },
    });
  } catch (error) {
    const { code, message } = error as UsageError;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const option = /'([^']+)'/.exec(message)?.[1] ?? 'option';
      throw new UsageError(`unknown option ${option} (see --help)`);
    }
    // Node's own messages here are one line too: a missing value, or an unexpected argument.
    throw new UsageError(`${message} (see --help)`);
  }
  if (values.help === true) return { kind: 'help' };

  const duration = positiveNumberOption('duration', values.duration, { wording: TAKES }) ?? 3;
  const integer = { min: 1, expected: 'a positive integer', wording: TAKES };
  const rounds = integerOption('rounds', values.rounds, integer) ?? 5;
  const connections = integerOption('connections', values.connections, integer) ?? 50;

  const scenarios = listOption('scenario', values.scenario) ?? [...SCENARIO_NAMES];
  const unknown = scenarios.filter((s) => !(SCENARIO_NAMES as readonly string[]).includes(s));
  if (unknown.length > 0 || scenarios.length === 0) {
    return { kind: 'error', message: `--scenario takes a comma-separated list of ${SCENARIO_NAMES.join(', ')}; got ${JSON.stringify(values.scenario)}` };
  }
  if (values.json === '') return { kind: 'error', message: '--json needs a file name' };
  if (values['cpu-prof'] === '') return { kind: 'error', message: '--cpu-prof needs a directory' };

  return {
    kind: 'run',
    options: {
      duration,
      rounds,
      connections,
      scenarios: [...new Set(scenarios)] as ScenarioName[],
      json: values.json,
      cpuProf: values['cpu-prof'],
      pin: values['no-pin'] !== true,
    },
  };
}
