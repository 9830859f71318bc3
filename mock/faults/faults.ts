// Deliberately broken variants of the mock, for judging the suites (npm run mutation): each fault
// breaks the requirement(s) it names the way a real deployment gets it wrong, and nothing else.
// They wrap the mock from outside (mock/faults/fault.ts), so the clean mock's code path is the
// same with or without this module.
import { ACCESS_FAULTS } from './access-faults.js';
import { ANSWER_FAULTS } from './answer-faults.js';
import { CREDENTIAL_FAULTS } from './credential-faults.js';
import type { Fault } from './fault.js';
import { LIMIT_FAULTS } from './rate-limit-faults.js';

export type { Fault } from './fault.js';

export const FAULTS: readonly Fault[] = [...CREDENTIAL_FAULTS, ...ACCESS_FAULTS, ...ANSWER_FAULTS, ...LIMIT_FAULTS];

/** The faults that break a rate-limit requirement in one process (judged by the load suites). */
export const RATE_LIMIT_FAULTS: readonly Fault[] = FAULTS.filter((f) => f.multiProcess !== true && f.breaks.some((id) => id.startsWith('RL-') || id.startsWith('HDR-')));

/** The faults one mock process can show (the mutation run); multi-process ones need --workers. */
export const SINGLE_PROCESS_FAULTS: readonly Fault[] = FAULTS.filter((f) => f.multiProcess !== true);

/** The faults named, or an Error naming the unknown ones and the known ones. */
export function resolveFaults(names: readonly string[]): Fault[] {
  const unknown = names.filter((n) => !FAULTS.some((f) => f.name === n));
  if (unknown.length > 0) throw new Error(`unknown fault${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; known: ${FAULTS.map((f) => f.name).join(', ')}`);
  return FAULTS.filter((f) => names.includes(f.name));
}
