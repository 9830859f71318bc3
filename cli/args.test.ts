// cli/args.ts: parseArgs strict with its first line as a UsageError, and the checks' refusals word
// for word as the commands print them (mock/cli.test.ts, suites/cli.test.ts assert them end to end).
import { describe, expect, it } from 'vitest';
import { choiceOption, integerOption, listOption, parseOptions, positiveNumberOption, UsageError, type Wording } from './args.js';

const refusal = (f: () => unknown): { message: string; code?: string } => {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('not refused');
};

describe('parseOptions', () => {
  const options = { port: { type: 'string', default: '4010' }, quiet: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } } as const;

  it('gives the values with their defaults', () => {
    expect({ ...parseOptions(['-h', '--port', '0'], options) }).toEqual({ port: '0', quiet: false, help: true });
    expect({ ...parseOptions([], options) }).toEqual({ port: '4010', quiet: false, help: false });
  });

  it.each([
    [['--bogus'], "Unknown option '--bogus'", 'ERR_PARSE_ARGS_UNKNOWN_OPTION'],
    [['x'], "Unexpected argument 'x'. This command does not take positional arguments", 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL'],
    [['--port'], "Option '--port <value>' argument missing", 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE'],
    [['--quiet=1'], "Option '--quiet' does not take an argument", 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE'],
    // parseArgs says this one in three lines: the first is kept.
    [['--port', '-1'], "Option '--port' argument is ambiguous.", 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE'],
  ])('refuses %j with the first line of parseArgs’ message and its code', (argv, message, code) => {
    expect(refusal(() => parseOptions(argv, options))).toMatchObject({ message, code });
  });
});

describe('integerOption', () => {
  it('takes what Number() reads as an integer in range', () => {
    expect(integerOption('port', '0', { min: 0, max: 65535 })).toBe(0);
    expect(integerOption('port', '', { min: 0, max: 65535 })).toBe(0);
    expect(integerOption('port', '0x10', { min: 0, max: 65535 })).toBe(16);
    expect(integerOption('seed', '7')).toBe(7);
    expect(integerOption('headers-timeout', undefined, { min: 1 })).toBeUndefined();
  });

  it.each([
    ['port', 'abc', { min: 0, max: 65535 }, '--port must be an integer from 0 to 65535; got "abc"'],
    ['port', '65536', { min: 0, max: 65535 }, '--port must be an integer from 0 to 65535; got "65536"'],
    ['workers', '1.5', { min: 1, max: 64 }, '--workers must be an integer from 1 to 64; got "1.5"'],
    ['budget', '0', { min: 1 }, '--budget must be an integer of at least 1; got "0"'],
    ['timeout', '99', { min: 100 }, '--timeout must be an integer of at least 100; got "99"'],
    ['level', '9', { max: 4 }, '--level must be an integer of at most 4; got "9"'],
    ['n', 'Infinity', {}, '--n must be an integer; got "Infinity"'],
    ['headers-timeout', 'abc', { min: 1, expected: 'a positive integer of milliseconds' }, '--headers-timeout must be a positive integer of milliseconds; got "abc"'],
  ])('--%s %j: %s', (name, raw, rule, message) => {
    expect(refusal(() => integerOption(name, raw, rule)).message).toBe(message);
  });

  it('words a refusal as the command does', () => {
    const takes: Wording = (flag, expected, raw) => `${flag} takes ${expected}; got ${JSON.stringify(raw)}`;
    expect(refusal(() => integerOption('rounds', 'a"b', { min: 1, expected: 'a positive integer', wording: takes })).message).toBe('--rounds takes a positive integer; got "a\\"b"');
  });
});

describe('positiveNumberOption', () => {
  it('takes a finite number above 0', () => {
    expect(positiveNumberOption('time-scale', '0.5')).toBe(0.5);
    expect(positiveNumberOption('time-scale', undefined)).toBeUndefined();
  });

  it.each(['0', '-2', 'abc', 'Infinity', '', ' '])('refuses %j', (raw) => {
    expect(refusal(() => positiveNumberOption('time-scale', raw)).message).toBe(`--time-scale must be a positive number; got "${raw}"`);
  });
});

describe('choiceOption', () => {
  it('takes one of the choices', () => {
    expect(choiceOption('clock', 'virtual', ['real', 'virtual'])).toBe('virtual');
  });

  it('names two choices with "or", more as a list', () => {
    expect(refusal(() => choiceOption('clock', 'fake', ['real', 'virtual'])).message).toBe('--clock must be real or virtual; got "fake"');
    expect(refusal(() => choiceOption('algorithm', '', ['token-bucket', 'sliding-window', 'fixed-window'])).message).toBe('--algorithm must be one of token-bucket, sliding-window, fixed-window; got ""');
  });
});

describe('listOption', () => {
  it('trims, normalizes and drops empty and dropped items', () => {
    expect(listOption('fault', ' a, ,b ,')).toEqual(['a', 'b']);
    expect(listOption('fault', undefined)).toBeUndefined();
    expect(listOption('format', 'JSON, none,html', { normalize: (x) => x.toLowerCase(), drop: ['none'], choices: ['junit', 'json', 'html'] })).toEqual(['json', 'html']);
  });

  it('refuses the first item not allowed, by its choices or its own rule', () => {
    expect(refusal(() => listOption('format', 'json,PDF', { normalize: (x) => x.toLowerCase(), drop: ['none'], choices: ['junit', 'json', 'html'] })).message).toBe('--format: "pdf" is not one of junit, json, html (or none)');
    const areas = { normalize: (s: string) => s.toUpperCase(), allows: (item: string) => /^[A-Z]+(-\d+)?$/.test(item), refuse: (item: string) => `"${item}" is not an area` };
    expect(refusal(() => listOption('only', 'cred,key-x', areas)).message).toBe('--only: "KEY-X" is not an area');
  });
});
