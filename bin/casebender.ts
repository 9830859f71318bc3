// The `casebender` command: dispatches to its subcommands, each loaded only when it is called
// (so `casebender --help` loads none of them).

const USAGE = `Usage: casebender <command> [options]

Commands:
  mock     start the CaseBender reference mock (casebender mock --help)
  run      run the conformance suites against a deployment or the embedded mock (casebender run --help)
  init     write a commented profile skeleton for a deployment, and its .env.example
  doctor   check a profile against its deployment before a run: keys, tiers, scopes, entities

Run "casebender <command> --help" for a command's options.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'mock':
      return (await import('../mock/cli.js')).runMockCommand(rest);
    case 'run':
      return (await import('../suites/cli.js')).runRunCommand(rest);
    case 'init':
      return (await import('../suites/init.js')).runInitCommand(rest);
    case 'doctor':
      return (await import('../suites/doctor.js')).runDoctorCommand(rest);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`casebender: unknown command "${command}"\n${USAGE}`);
      return 2;
  }
}

// Output piped into `head` and closed early is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

process.exitCode = await main(process.argv.slice(2));
