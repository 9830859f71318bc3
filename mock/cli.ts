// `casebender mock`: starts the reference mock, prints its keys, writes the target profile.
// The command line is parsed in mock/cli/parse.ts (with cli/args.ts), the mock started and stopped
// in mock/cli/start.ts, what it says once started worded in mock/cli/print.ts; this is the
// sequence, with the exit codes of MOCK_USAGE.
import { receiveInit, reportToParent, WORKER_ENV } from './workers.js';
import { MOCK_USAGE, parseMockArgs, type MockCliOptions } from './cli/parse.js';
import { envText, faultLines, startupLines } from './cli/print.js';
import { startFailure, startMock, untilStopped, untilWorkerStopped, type StartedMock } from './cli/start.js';

export { UsageError } from '../cli/args.js';
export { KEY_SECRET_ENV, MOCK_USAGE, parseMockArgs, type MockCliOptions } from './cli/parse.js';
export { ProfileWriteError, startMock, type StartedMock } from './cli/start.js';
export { keyTable } from './cli/print.js';

export async function runMockCommand(argv: readonly string[]): Promise<number> {
  let options: MockCliOptions;
  try {
    options = parseMockArgs(argv);
  } catch (error) {
    console.error(`casebender mock: ${(error as Error).message}\nRun "casebender mock --help" for the options.`);
    return 2;
  }
  if (options.help) {
    console.log(MOCK_USAGE);
    return 0;
  }
  if (options.listFaults) {
    for (const line of faultLines()) console.log(line);
    return 0;
  }
  const workerEnv = process.env[WORKER_ENV];
  const worker = workerEnv !== undefined && process.send !== undefined ? await receiveInit() : undefined;
  let started: StartedMock;
  try {
    started = await startMock(options, worker, argv);
  } catch (error) {
    const message = startFailure(error, options.host, worker !== undefined ? worker.port : options.port);
    if (worker !== undefined) {
      reportToParent({ type: 'failed', message });
      process.disconnect?.();
    } else console.error(`casebender mock: ${message}`);
    return 2;
  }
  if (worker !== undefined) {
    reportToParent({ type: 'ready', baseUrl: started.server.baseUrl });
    await untilWorkerStopped(started);
    return 0;
  }
  // With --print-env and no file, standard output carries the key variables alone.
  const toStdout = options.printEnv === '-';
  const say = toStdout ? (line: string) => console.error(line) : (line: string) => console.log(line);
  if (toStdout && started.profile !== undefined) process.stdout.write(envText(started.profile));
  // One write: whoever waits for the listening line finds the lines after it there too.
  say(startupLines(options, started).join('\n'));
  await untilStopped(started);
  try {
    started.app.flush();
  } catch (error) {
    console.error(`casebender mock: cannot save the state to ${options.data}: ${(error as Error).message}`);
    return 1;
  } finally {
    started.releaseData();
  }
  return 0;
}
