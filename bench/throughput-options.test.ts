import { describe, expect, it } from 'vitest';
import { parseThroughputArgs } from './throughput-options.js';

describe('parseThroughputArgs', () => {
  it('gives the documented defaults with no flags', () => {
    expect(parseThroughputArgs([])).toEqual({
      kind: 'run',
      options: { duration: 3, rounds: 5, connections: 50, scenarios: ['read', 'unauthorized', 'limited'], json: undefined, cpuProf: undefined, pin: true },
    });
  });

  it('takes every flag', () => {
    const parsed = parseThroughputArgs(['--duration', '2.5', '--rounds', '1', '--connections', '10', '--scenario', 'limited,read', '--json', 'out.json', '--cpu-prof', '/tmp/p', '--no-pin']);
    expect(parsed).toEqual({
      kind: 'run',
      options: { duration: 2.5, rounds: 1, connections: 10, scenarios: ['limited', 'read'], json: 'out.json', cpuProf: '/tmp/p', pin: false },
    });
  });

  it('answers help for --help', () => {
    expect(parseThroughputArgs(['--help'])).toEqual({ kind: 'help' });
  });

  it('names an unknown flag in one line', () => {
    expect(parseThroughputArgs(['--fast'])).toEqual({ kind: 'error', message: 'unknown option --fast (see --help)' });
  });

  it.each([
    [['--rounds', '0'], '--rounds takes a positive integer; got "0"'],
    [['--rounds', '1.5'], '--rounds takes a positive integer; got "1.5"'],
    [['--duration', 'abc'], '--duration takes a positive number; got "abc"'],
    [['--scenario', 'read,write'], '--scenario takes a comma-separated list of read, unauthorized, limited; got "read,write"'],
  ])('refuses %j', (args, message) => {
    expect(parseThroughputArgs(args)).toEqual({ kind: 'error', message });
  });
});
