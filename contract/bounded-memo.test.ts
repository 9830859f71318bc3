// The memo behind the kept 401/403 challenges and 429 refusals: always the value `make` gives,
// made once per pair while there is room, never more than its bound kept.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boundedMemo } from './bounded-memo.js';
import { insufficientScope, unauthorized } from './problem.js';
import { tooManyRequests } from './rate-limit-headers.js';
import type { RateDecision } from './limits/index.js';

describe('boundedMemo', () => {
  it('answers what make answers, makes a kept pair once, and keeps at most its bound', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 8 }), fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.integer({ min: 0, max: 5 })), { maxLength: 60 }), (max, pairs) => {
        const made = new Map<string, number>();
        const memo = boundedMemo(max, (a: string, b: number) => {
          made.set(`${a}/${b}`, (made.get(`${a}/${b}`) ?? 0) + 1);
          return { text: `${a}:${b}` };
        });
        const first = new Map<string, { text: string }>();
        for (const [a, b] of pairs) {
          const value = memo(a, b);
          expect(value.text).toBe(`${a}:${b}`);
          if (!first.has(`${a}/${b}`)) first.set(`${a}/${b}`, value);
        }
        const distinct = first.size;
        expect(memo.kept()).toBe(Math.min(max, distinct));
        // The first `max` distinct pairs are kept: made once, and the same object every time.
        const keptPairs = [...first.keys()].slice(0, max);
        for (const pair of keptPairs) {
          expect(made.get(pair)).toBe(1);
          const [a, b] = pair.split('/') as [string, string];
          expect(memo(a, Number(b))).toBe(first.get(pair));
        }
      }),
    );
  });

  it('past its bound it still answers, making the value each time', () => {
    let made = 0;
    const memo = boundedMemo(2, (a: string, b: string) => {
      made += 1;
      return `${a}${b}`;
    });
    expect([memo('a', '1'), memo('a', '2'), memo('b', '1'), memo('b', '1')]).toEqual(['a1', 'a2', 'b1', 'b1']);
    expect(memo.kept()).toBe(2);
    expect(made).toBe(4);
  });
});

describe('the failures the core keeps', () => {
  it('ERR-2: a 401 challenge is the same string each time, with the refused detail (quotes and backslashes dropped)', () => {
    const a = unauthorized('invalid_key', 'The "API" key \\ is not valid.', 'CaseBender', true);
    const b = unauthorized('invalid_key', 'The "API" key \\ is not valid.', 'CaseBender', true);
    expect(a.headers?.['WWW-Authenticate']).toBe('Bearer realm="CaseBender", error="invalid_token", error_description="The API key  is not valid."');
    expect(b.headers?.['WWW-Authenticate']).toBe(a.headers?.['WWW-Authenticate']);
    expect(unauthorized('missing_credentials', 'No API key was presented.', 'CaseBender', false).headers?.['WWW-Authenticate']).toBe('Bearer realm="CaseBender"');
  });

  it('SCOPE-1, SCOPE-6: a 403 names every missing scope; only the Bearer one carries the challenge; both are made once', () => {
    const one = insufficientScope(['alerts:write'], 'CaseBender', true);
    expect(one).toEqual({
      status: 403,
      code: 'insufficient_scope',
      detail: 'This operation needs the scope alerts:write.',
      headers: { 'WWW-Authenticate': 'Bearer realm="CaseBender", error="insufficient_scope", scope="alerts:write"' },
    });
    expect(insufficientScope(['alerts:write'], 'CaseBender', true)).toBe(one);
    const two = insufficientScope(['alerts:write', 'cases:write'], 'Other', false);
    expect(two).toEqual({ status: 403, code: 'insufficient_scope', detail: 'This operation needs the scopes alerts:write, cases:write.' });
    expect(insufficientScope(['alerts:write', 'cases:write'], 'Other', true).headers?.['WWW-Authenticate']).toBe('Bearer realm="Other", error="insufficient_scope", scope="alerts:write cases:write"');
  });

  it('RL-8: a 429 says its tier and wait, with Retry-After in seconds, and is made once per tier and wait', () => {
    const decision = (retryAfter: number | undefined) => ({ allowed: false, retryAfter }) as unknown as RateDecision;
    const refused = tooManyRequests(decision(7), 'basic');
    expect(refused).toEqual({ status: 429, code: 'rate_limited', detail: 'The rate limit of the basic tier is exceeded; retry after 7 s.', headers: { 'Retry-After': '7' } });
    expect(tooManyRequests(decision(7), 'basic')).toBe(refused);
    expect(tooManyRequests(decision(7), 'standard').detail).toBe('The rate limit of the standard tier is exceeded; retry after 7 s.');
    expect(tooManyRequests(decision(undefined), 'basic').headers).toEqual({ 'Retry-After': '1' });
  });
});
