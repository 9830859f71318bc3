// A baseline: known, listed deviations a team accepts (by requirement ID and target), so that a
// release gate means "no new failures". Entries that no longer match a deviation are stale.
import { readFileSync } from 'node:fs';

export interface BaselineEntry {
  readonly requirement: string;
  /** A base URL, or "*" for every target. */
  readonly target: string;
  readonly reason?: string;
}

export class BaselineError extends Error {}

/** Reads `{ "accepted": [{ "requirement": "RL-11", "target": "*", "reason": "..." }] }`. */
export function loadBaseline(path: string): BaselineEntry[] {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new BaselineError(`cannot read the baseline ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  const accepted = (value as { accepted?: unknown }).accepted;
  if (!Array.isArray(accepted)) throw new BaselineError(`the baseline ${path} has no "accepted" array`);
  return accepted.map((e, i) => {
    const entry = e as Partial<BaselineEntry>;
    if (typeof entry.requirement !== 'string' || !/^[A-Z]+-\d+$/.test(entry.requirement)) throw new BaselineError(`the baseline ${path}: accepted[${i}].requirement must be a requirement ID such as "RL-11"`);
    if (typeof entry.target !== 'string') throw new BaselineError(`the baseline ${path}: accepted[${i}].target must be a base URL or "*"`);
    return { requirement: entry.requirement, target: entry.target, ...(typeof entry.reason === 'string' ? { reason: entry.reason } : {}) };
  });
}

const sameTarget = (entry: string, target: string) => entry === '*' || entry.replace(/\/+$/, '') === target.replace(/\/+$/, '');

/** Which deviations the baseline accepts for this target, and which of its entries are stale. */
export function applyBaseline(entries: readonly BaselineEntry[], target: string, deviating: ReadonlySet<string>, ran: ReadonlySet<string>) {
  const forTarget = entries.filter((e) => sameTarget(e.target, target));
  return {
    accepts: (requirement: string) => {
      const e = forTarget.find((x) => x.requirement === requirement);
      return e === undefined ? undefined : (e.reason ?? 'accepted by the baseline');
    },
    // Stale: the requirement ran here and no longer deviates.
    stale: forTarget.filter((e) => ran.has(e.requirement) && !deviating.has(e.requirement)).map((e) => ({ requirement: e.requirement, target: e.target })),
  };
}
