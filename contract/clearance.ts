// TLP/PAP clearance (contract: TLP-1..4). Scale: 0 CLEAR, 1 GREEN, 2 AMBER, 3 AMBER+STRICT, 4 RED.
import type { Failure, KeyRecord } from './types.js';

export interface Marked {
  readonly tlp?: unknown;
  readonly pap?: unknown;
}

const isLevel = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 4;

/** Whether a key may see an entity at all (TLP-1, TLP-2, TLP-3). Unmarked entities are visible. */
export function visibleTo(key: Pick<KeyRecord, 'tlpClearance' | 'papClearance'>, entity: Marked): boolean {
  return !(isLevel(entity.tlp) && entity.tlp > key.tlpClearance) && !(isLevel(entity.pap) && entity.pap > key.papClearance);
}

/** 403 when an existing entity is above the key's clearance (TLP-1, TLP-2). */
export function entityClearanceFailure(key: Pick<KeyRecord, 'tlpClearance' | 'papClearance'>, entity: Marked): Failure | undefined {
  if (isLevel(entity.tlp) && entity.tlp > key.tlpClearance) {
    return { status: 403, code: 'tlp_restricted', detail: 'The entity is above the TLP clearance of this key.' };
  }
  if (isLevel(entity.pap) && entity.pap > key.papClearance) {
    return { status: 403, code: 'pap_restricted', detail: 'The entity is above the PAP clearance of this key.' };
  }
  return undefined;
}

/**
 * 403 when a create or update would mark an entity above the key's clearance (TLP-4).
 * Only valid levels are judged here; values outside 0..4 fail validation with 400 (TLP-5).
 */
export function markingClearanceFailure(key: Pick<KeyRecord, 'tlpClearance' | 'papClearance'>, marks: Marked): Failure | undefined {
  if (isLevel(marks.tlp) && marks.tlp > key.tlpClearance) {
    return { status: 403, code: 'tlp_restricted', detail: `This key may not set tlp above ${key.tlpClearance}.` };
  }
  if (isLevel(marks.pap) && marks.pap > key.papClearance) {
    return { status: 403, code: 'pap_restricted', detail: `This key may not set pap above ${key.papClearance}.` };
  }
  return undefined;
}
