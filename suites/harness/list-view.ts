// What a list answer holds, wherever a deployment puts it (TLP-3 and any check that reads a list).
// CaseBender documents GET /alerts as a top-level array and documents no other list, so the suites
// promise no shape: the items are a top-level array, or an array under `data`, `items`, `results`
// or the collection's own name; the total, where one is given, is `total`, `pagination.total`,
// `meta.total` or the `X-Total-Count` header.
import { header, type Exchange } from './http-client.js';

export interface ListView {
  /** The entities listed; undefined when no array of them could be found. */
  readonly items: readonly Record<string, unknown>[] | undefined;
  /** Where the items were found (`(top level)`, `data`, ...), for messages. */
  readonly itemsAt: string | undefined;
  /** The total the answer claims, when it claims one. */
  readonly total: number | undefined;
  readonly totalAt: string | undefined;
}

const ITEM_FIELDS = ['data', 'items', 'results'] as const;

const isRecordArray = (v: unknown): v is Record<string, unknown>[] => Array.isArray(v) && v.every((e) => typeof e === 'object' && e !== null && !Array.isArray(e));

const asCount = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined);

/** Reads a list answer of `collection` (e.g. `alerts`) in any of the shapes above. */
export function listView(exchange: Exchange, collection: string): ListView {
  let body: unknown;
  try {
    body = JSON.parse(exchange.body);
  } catch {
    body = undefined;
  }
  let items: Record<string, unknown>[] | undefined;
  let itemsAt: string | undefined;
  let total: number | undefined;
  let totalAt: string | undefined;
  if (isRecordArray(body)) {
    items = body;
    itemsAt = '(top level)';
  } else if (typeof body === 'object' && body !== null) {
    const record = body as Record<string, unknown>;
    for (const field of [...ITEM_FIELDS, collection]) {
      if (isRecordArray(record[field])) {
        items = record[field];
        itemsAt = field;
        break;
      }
    }
    const candidates: [string, unknown][] = [
      ['total', record['total']],
      ['pagination.total', (record['pagination'] as Record<string, unknown> | undefined)?.['total']],
      ['meta.total', (record['meta'] as Record<string, unknown> | undefined)?.['total']],
    ];
    for (const [at, value] of candidates) {
      const n = asCount(value);
      if (n !== undefined) {
        total = n;
        totalAt = at;
        break;
      }
    }
  }
  if (total === undefined) {
    const counted = header(exchange, 'x-total-count');
    const n = counted === undefined || !/^\d+$/.test(counted.trim()) ? undefined : Number(counted);
    if (n !== undefined) {
      total = n;
      totalAt = 'X-Total-Count';
    }
  }
  return { items, itemsAt, total, totalAt };
}
