// The command line of every casebender command (mock, run, init, doctor) and of the benchmarks:
// node:util's parseArgs, strict, with one UsageError, and typed checks of the values it leaves as
// strings. Each check refuses in one line, "--NAME must be EXPECTED; got "RAW"" unless the command
// words it otherwise. It imports Node built-ins only, so any of them may import it
// (contract/import-rules.test.ts); in the mock only mock/cli* does, which the MSW package leaves out.
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A command line the command cannot take: its message is one line, for "casebender CMD: ...". */
export class UsageError extends Error {
  /** parseArgs' code (ERR_PARSE_ARGS_UNKNOWN_OPTION, ...) when it refused the line itself. */
  declare readonly code?: string;
}

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;
type Strict<O extends OptionsConfig> = { args: string[]; options: O; strict: true; allowPositionals: false };
/** The values parseArgs gives for `options`. */
export type OptionValues<O extends OptionsConfig> = ReturnType<typeof parseArgs<Strict<O>>>['values'];

/** parseArgs, strict and without positionals; a UsageError with the first line of its message otherwise. */
export function parseOptions<const O extends OptionsConfig>(argv: readonly string[], options: O): OptionValues<O> {
  try {
    return parseArgs<Strict<O>>({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    const refusal = new UsageError((error as Error).message.split('\n')[0]!);
    const code = (error as NodeJS.ErrnoException).code;
    throw code === undefined ? refusal : Object.assign(refusal, { code });
  }
}

/** How a check words its refusal: `--NAME`, what it takes, what it got. */
export type Wording = (flag: string, expected: string, raw: string) => string;
const MUST_BE: Wording = (flag, expected, raw) => `${flag} must be ${expected}; got "${raw}"`;

export interface NumberRule {
  /** Replaces the default description of what the option takes ("an integer from 0 to 65535"). */
  readonly expected?: string;
  readonly wording?: Wording;
}

export interface IntegerRule extends NumberRule {
  readonly min?: number;
  readonly max?: number;
}

/**
 * An integer within [min, max] (Number() of the text: "" is 0, "0x10" is 16), or a UsageError
 * "--NAME must be an integer from MIN to MAX" (or "of at least MIN", "of at most MAX").
 * Undefined (an option not given, with no default) stays undefined.
 */
export function integerOption(name: string, raw: string, rule?: IntegerRule): number;
export function integerOption(name: string, raw: string | undefined, rule?: IntegerRule): number | undefined;
export function integerOption(name: string, raw: string | undefined, rule: IntegerRule = {}): number | undefined {
  if (raw === undefined) return undefined;
  const { min, max } = rule;
  const n = Number(raw);
  if (!Number.isInteger(n) || (min !== undefined && n < min) || (max !== undefined && n > max)) {
    const range = min !== undefined && max !== undefined ? ` from ${min} to ${max}` : min !== undefined ? ` of at least ${min}` : max !== undefined ? ` of at most ${max}` : '';
    throw new UsageError((rule.wording ?? MUST_BE)(`--${name}`, rule.expected ?? `an integer${range}`, raw));
  }
  return n;
}

/** A finite number above 0, or a UsageError "--NAME must be a positive number". */
export function positiveNumberOption(name: string, raw: string, rule?: NumberRule): number;
export function positiveNumberOption(name: string, raw: string | undefined, rule?: NumberRule): number | undefined;
export function positiveNumberOption(name: string, raw: string | undefined, rule: NumberRule = {}): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!(n > 0) || !Number.isFinite(n)) throw new UsageError((rule.wording ?? MUST_BE)(`--${name}`, rule.expected ?? 'a positive number', raw));
  return n;
}

/** One of `choices`, or a UsageError "--NAME must be A or B" (of two) or "must be one of A, B, C". */
export function choiceOption<const T extends string>(name: string, raw: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(raw)) return raw as T;
  const expected = choices.length === 2 ? `${choices[0]} or ${choices[1]}` : `one of ${choices.join(', ')}`;
  throw new UsageError(MUST_BE(`--${name}`, expected, raw));
}

export interface ListRule<T extends string> {
  /** Applied to each trimmed item (e.g. upper-casing). */
  readonly normalize?: (item: string) => string;
  /** Items left out, besides empty ones (e.g. "none"). */
  readonly drop?: readonly string[];
  /** The items allowed; the default refusal names them (and the dropped ones). */
  readonly choices?: readonly T[];
  /** Whether an item is allowed, where `choices` cannot say. */
  readonly allows?: (item: string) => boolean;
  /** The refusal of an item, after "--NAME: "; by default `"ITEM" is not one of A, B, C (or DROPPED)`. */
  readonly refuse?: (item: string) => string;
}

/**
 * A comma-separated list: its items trimmed and normalized, empty and dropped ones left out, each
 * checked (the first not allowed gives a UsageError "--NAME: ..."). Undefined stays undefined.
 */
export function listOption<T extends string = string>(name: string, raw: string, rule?: ListRule<T>): T[];
export function listOption<T extends string = string>(name: string, raw: string | undefined, rule?: ListRule<T>): T[] | undefined;
export function listOption<T extends string = string>(name: string, raw: string | undefined, rule: ListRule<T> = {}): T[] | undefined {
  if (raw === undefined) return undefined;
  const { normalize = (item: string) => item, drop = [], choices } = rule;
  const items = raw.split(',').map((item) => normalize(item.trim())).filter((item) => item !== '' && !drop.includes(item));
  const allows = rule.allows ?? (choices !== undefined ? (item: string) => (choices as readonly string[]).includes(item) : () => true);
  const refuse = rule.refuse ?? ((item: string) => `"${item}" is not one of ${(choices ?? []).join(', ')}${drop.length > 0 ? ` (or ${drop.join(', ')})` : ''}`);
  for (const item of items) if (!allows(item)) throw new UsageError(`--${name}: ${refuse(item)}`);
  return items as T[];
}
