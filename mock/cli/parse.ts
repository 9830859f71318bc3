// `casebender mock`: its command line, parsed into MockCliOptions or refused with one UsageError
// line (cli/args.ts), before anything is started. What only a start can find (a port in use, a
// headers timeout node:http refuses) is refused in start.ts, with the same UsageError.
import { choiceOption, integerOption, listOption, parseOptions, positiveNumberOption, UsageError } from '../../cli/args.js';
import { ALGORITHMS } from '../../contract/model.js';
import type { RateLimitAlgorithm } from '../../contract/types.js';
import { FAULTS, resolveFaults } from '../faults/faults.js';
import type { StoreErrorMode } from '../store/store-unavailable.js';

export const MOCK_USAGE = `Usage: casebender mock [options]

Starts the CaseBender reference mock: the API under /api/v1 and /api, seeded keys and
entities, and a control API under /__mock/ guarded by a token.

Options:
  --host HOST            address to listen on (default 127.0.0.1)
  --port N               port (default 4010; 0 picks a free one)
  --clock real|virtual   real time (default), or a clock only the control API moves
  --time-scale N         one real second counts as N seconds (default 1)
  --algorithm NAME       token-bucket (default) | sliding-window | fixed-window
  --store memory|URL     where the state lives: memory (default, this process) or a Redis URL
                         (redis://127.0.0.1:6379[/DB]) shared by every worker; a mock started on a
                         Redis that holds a mock's state joins it (keys, entities, limits, clock)
  --key-secret S         derive the seeded keys' material from S and each key's name, so every
                         replica and every restart has the same keys (or CASEBENDER_KEY_SECRET;
                         at least 16 characters; never stored or printed)
  --workers N            N processes on ports P, P+1, ... sharing the --store (default 1)
  --on-store-error MODE  while Redis is unreachable: closed (default) answers 503; open answers
                         from each process's last reads, with per-process limits
  --profile-out FILE     where to write the target profile (default reports/mock-profile.json)
  --print-env [FILE]     the seeded keys as CB_KEY_<NAME>=... lines (legacy pairs as _ACCESS_KEY and
                         _SECRET), with CB_BASE_URL and CB_MOCK_TOKEN, for a shell to source
                         (set -a; . FILE; set +a): into FILE (owner-only), or without FILE on
                         standard output alone (the other start-up lines go to standard error)
  --data DIR             keep keys, entities, limiter state and the clock in DIR across restarts
                         (keys as hashes only; a restart reuses the material in --profile-out)
  --seed FILE            seed entities and keys (default fixtures/seed.json)
  --no-control           turn the control API off
  --control-token T      use this control token instead of a random one
  --headers-timeout MS   a request head not complete in MS gets 408 (default 10000)
  --request-timeout MS   a request, body included, not complete in MS gets 408 (default 30000)
  --fault NAME[,NAME]    break the mock on purpose, to test a suite (names: casebender mock --list-faults);
                         PUT /__mock/faults {"faults": [...]} switches them while it runs
  --list-faults          list the faults and the requirement each breaks
  --quiet                print only the listening line
  -h, --help             show this help

Exit codes: 0 after a clean stop (Ctrl-C, SIGTERM: requests in flight finish, the state is
saved), 1 when the state cannot be saved at the stop, 2 for a usage error, an unreadable seed
file or data directory, a port that cannot be used, a store that cannot be reached at start, or
a shared store holding a mock started with other settings (time scale, clock, algorithm, seed,
key secret, control token). A start that exits 2 has written nothing to the store.`;

export interface MockCliOptions {
  host: string;
  port: number;
  clock: 'real' | 'virtual';
  timeScale: number;
  algorithm: RateLimitAlgorithm;
  /** 'memory' or a redis:// URL. */
  store: string;
  workers: number;
  onStoreError: StoreErrorMode;
  profileOut: string;
  /** --print-env: a file for the key variables, or '-' for standard output. */
  printEnv?: string;
  data?: string;
  seed?: string;
  control: boolean;
  controlToken?: string;
  /** --key-secret or CASEBENDER_KEY_SECRET. */
  keySecret?: string;
  /** Overrides of fixtures/policy.json's HTTP timeouts. */
  limits: { headersTimeoutMs?: number; requestTimeoutMs?: number };
  quiet: boolean;
  faults: string[];
  listFaults: boolean;
  help: boolean;
}

/** The environment variable that gives the key secret without putting it on the command line. */
export const KEY_SECRET_ENV = 'CASEBENDER_KEY_SECRET';

/** Parses `casebender mock` arguments; throws UsageError with one clear line. */
export function parseMockArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env): MockCliOptions {
  // --print-env takes an optional FILE: without one (the next word is an option, or none), standard output.
  const args = argv.map((a, i) => (a === '--print-env' && (argv[i + 1] === undefined || argv[i + 1]!.startsWith('-')) ? '--print-env=-' : a));
  const values = parseOptions(args, {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '4010' },
    clock: { type: 'string', default: 'real' },
    'time-scale': { type: 'string', default: '1' },
    algorithm: { type: 'string', default: 'token-bucket' },
    store: { type: 'string', default: 'memory' },
    workers: { type: 'string', default: '1' },
    'on-store-error': { type: 'string', default: 'closed' },
    'profile-out': { type: 'string', default: 'reports/mock-profile.json' },
    'print-env': { type: 'string' },
    data: { type: 'string' },
    seed: { type: 'string' },
    'no-control': { type: 'boolean', default: false },
    'control-token': { type: 'string' },
    'key-secret': { type: 'string' },
    'headers-timeout': { type: 'string' },
    'request-timeout': { type: 'string' },
    quiet: { type: 'boolean', default: false },
    fault: { type: 'string' },
    'list-faults': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  const port = integerOption('port', values.port, { min: 0, max: 65535 });
  const clock = choiceOption('clock', values.clock, ['real', 'virtual']);
  const timeScale = positiveNumberOption('time-scale', values['time-scale']);
  const algorithm = choiceOption('algorithm', values.algorithm, ALGORITHMS);
  const faults = listOption('fault', values.fault) ?? [];
  try {
    resolveFaults(faults);
  } catch (error) {
    throw new UsageError(`--fault: ${(error as Error).message}`);
  }
  const ms = { expected: 'a positive integer of milliseconds', min: 1 };
  const headersTimeoutMs = integerOption('headers-timeout', values['headers-timeout'], ms);
  const requestTimeoutMs = integerOption('request-timeout', values['request-timeout'], ms);
  if (values.data === '') throw new UsageError('--data needs a directory');
  if (values.data !== undefined && values.store !== 'memory') throw new UsageError('--data keeps the in-memory state; a Redis --store keeps its own (use Redis persistence)');
  if (values['control-token'] !== undefined && values['control-token'].length < 16) throw new UsageError('--control-token must be at least 16 characters');
  const keySecret = values['key-secret'] ?? (env[KEY_SECRET_ENV] === '' ? undefined : env[KEY_SECRET_ENV]);
  if (keySecret !== undefined && keySecret.length < 16) throw new UsageError(`${values['key-secret'] !== undefined ? '--key-secret' : KEY_SECRET_ENV} must be at least 16 characters`);
  if (keySecret !== undefined && values.data !== undefined) throw new UsageError('--key-secret and --data both decide the seeded keys; use one');
  const store = values.store;
  if (store !== 'memory' && !/^rediss?:\/\/[^/\s]+(\/\d+)?\/?$/.test(store)) throw new UsageError(`--store must be memory or a Redis URL such as redis://127.0.0.1:6379; got "${store}"`);
  const workers = integerOption('workers', values.workers, { min: 1, max: 64 });
  if (workers > 1 && store === 'memory') throw new UsageError('--workers needs a shared store (--store redis://HOST:PORT): with memory each process would keep its own limits');
  if (workers > 1 && clock === 'virtual') throw new UsageError('--clock virtual is one process\'s clock; use --workers 1 with it');
  if (workers > 1 && port !== 0 && port + workers - 1 > 65535) throw new UsageError(`--port ${port} leaves no room for ${workers} workers (ports ${port} to ${port + workers - 1})`);
  const onStoreError: StoreErrorMode = choiceOption('on-store-error', values['on-store-error'], ['closed', 'open']);
  if (onStoreError === 'open' && store === 'memory') throw new UsageError('--on-store-error applies to a shared store (--store redis://...)');
  if (workers === 1 && faults.some((f) => FAULTS.find((x) => x.name === f)?.multiProcess === true)) throw new UsageError(`--fault ${faults.join(',')}: shows only with --workers 2 or more`);
  return {
    host: values.host,
    port,
    clock,
    timeScale,
    algorithm,
    store,
    workers,
    onStoreError,
    profileOut: values['profile-out'],
    ...(values['print-env'] !== undefined ? { printEnv: values['print-env'] } : {}),
    ...(values.data !== undefined ? { data: values.data } : {}),
    ...(values.seed !== undefined ? { seed: values.seed } : {}),
    control: !values['no-control'],
    ...(values['control-token'] !== undefined ? { controlToken: values['control-token'] } : {}),
    ...(keySecret !== undefined ? { keySecret } : {}),
    limits: { ...(headersTimeoutMs !== undefined ? { headersTimeoutMs } : {}), ...(requestTimeoutMs !== undefined ? { requestTimeoutMs } : {}) },
    quiet: values.quiet,
    faults,
    listFaults: values['list-faults'],
    help: values.help,
  };
}
