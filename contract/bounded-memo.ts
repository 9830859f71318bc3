// Values made once per pair of keys and kept, for texts the core gives again and again (the same
// 401 challenge, the same 429, the same 403 challenge): a kept string is flattened and hashed once,
// where a string made anew per answer is concatenated, then flattened by node:http's header check
// on every answer. Nested Maps, so a lookup builds no key string. Bounded: once `max` values are
// kept, a value not kept is made each time (still right, only not remembered).

/**
 * A memo of `make` over two keys; `kept()` says how many values it holds (for tests of its bound).
 * `undefined` stands for "not kept", so a `make` that returns it is called every time.
 */
export type BoundedMemo<A, B, V> = ((a: A, b: B) => V) & { readonly kept: () => number };

/**
 * @example
 * const greeting = boundedMemo(100, (name: string, polite: boolean) => `${polite ? 'Good day' : 'Hi'}, ${name}`);
 * greeting('Ada', true) === greeting('Ada', true) // true: the same string, made once
 */
export function boundedMemo<A, B, V>(max: number, make: (a: A, b: B) => V): BoundedMemo<A, B, V> {
  const byFirst = new Map<A, Map<B, V>>();
  let kept = 0;
  const memo = (a: A, b: B): V => {
    let bySecond = byFirst.get(a);
    let value = bySecond?.get(b);
    if (value !== undefined) return value;
    value = make(a, b);
    if (kept < max) {
      if (bySecond === undefined) byFirst.set(a, (bySecond = new Map()));
      bySecond.set(b, value);
      kept += 1;
    }
    return value;
  };
  return Object.assign(memo, { kept: () => kept });
}
