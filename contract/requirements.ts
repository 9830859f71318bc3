// The requirement catalogue: every ID with its area, level and text, from the one file
// fixtures/requirements.json (what ../shared/CONTRACT.md decides, in this project's words). The
// reports, the doctor, init, docs/contract.md's test and the checks' levels all read it here.
import requirementsFixture from '../fixtures/requirements.json' with { type: 'json' };

/** DOC: CaseBender documents it; STD: a standard requires it; SHOULD: advised; REF: this project's choice. */
export type Level = 'DOC' | 'STD' | 'SHOULD' | 'REF';

export interface Requirement {
  readonly id: string;
  readonly area: string;
  readonly level: Level;
  readonly text: string;
}

export const REQUIREMENTS: readonly Requirement[] = requirementsFixture.requirements.map((r) => ({ id: r.id, area: r.area, level: r.level as Level, text: r.text }));
export const REQUIREMENT_IDS: readonly string[] = REQUIREMENTS.map((r) => r.id);
export const LEVELS: ReadonlyMap<string, Level> = new Map(REQUIREMENTS.map((r) => [r.id, r.level]));
export const REQUIREMENT_TEXT: ReadonlyMap<string, string> = new Map(REQUIREMENTS.map((r) => [r.id, r.text]));
