// The router's answers, and that remembering them (a bounded cache) changes none of them.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { referenceModel } from './model.js';
import { createRouter } from './router.js';

const { operations } = referenceModel();

describe('createRouter', () => {
  it('matches literal segments before ids, and says which methods a path allows', () => {
    const route = createRouter(operations);
    expect(route('GET', '/users/me')).toMatchObject({ kind: 'operation', operation: { path: '/users/me' } });
    expect(route('GET', '/alerts/alert_1')).toMatchObject({ kind: 'operation', id: 'alert_1', collection: 'alerts' });
    // PUT /alerts/{id} is Replace Alert; /cases/{id} has no PUT.
    expect(route('PUT', '/alerts/alert_1')).toMatchObject({ kind: 'operation', operation: { id: 'replaceAlert' }, id: 'alert_1', collection: 'alerts' });
    expect(route('PUT', '/cases/case_1')).toEqual({ kind: 'method-not-allowed', allow: 'GET, PATCH, DELETE' });
    expect(route('GET', '/nothing/here')).toEqual({ kind: 'not-found' });
  });

  it('gives every path parameter, decoded and in order, when a path has several; id is the first', () => {
    const route = createRouter(operations);
    expect(route('POST', '/alerts/alert_1/merge/case_2')).toEqual({
      kind: 'operation',
      operation: expect.objectContaining({ id: 'mergeAlertIntoCase' }),
      id: 'alert_1',
      collection: 'alerts',
      params: ['alert_1', 'case_2'],
    });
    expect(route('POST', '/alerts/a%201/merge/c%2F1')).toMatchObject({ kind: 'operation', id: 'a 1', params: ['a 1', 'c/1'] });
    expect(route('GET', '/alerts/alert_1/merge/case_2')).toEqual({ kind: 'method-not-allowed', allow: 'POST' });
    // One parameter: no params, as before.
    expect(route('GET', '/alerts/alert_1')).not.toHaveProperty('params');
  });

  it('answers every (method, path) the same the first time, again, and after the cache was emptied', () => {
    const segment = fc.oneof(fc.constantFrom('alerts', 'cases', 'observables', 'users', 'me', 'keys', 'search', ''), fc.string({ maxLength: 6 }));
    const request = fc.tuple(fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT'), fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => '/' + parts.join('/')));
    const cached = createRouter(operations);
    fc.assert(
      fc.property(fc.array(request, { minLength: 1, maxLength: 50 }), (requests) => {
        for (const [method, path] of requests) {
          const fresh = createRouter(operations)(method, path);
          expect(cached(method, path)).toEqual(fresh);
          expect(cached(method, path)).toEqual(fresh);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('stays bounded: never more answers than its size, and known paths still match after many more', () => {
    const route = createRouter(operations, 100);
    for (let i = 0; i < 1_000; i++) {
      expect(route('GET', `/alerts/a${i}`)).toMatchObject({ kind: 'operation', id: `a${i}` });
      expect(route.remembered()).toBeLessThanOrEqual(100);
    }
    expect(route.remembered()).toBeGreaterThan(0);
    expect(route('GET', '/users/me')).toMatchObject({ kind: 'operation', operation: { path: '/users/me' } });
  });

  it('keeps no 404s and no long paths', () => {
    const route = createRouter(operations);
    for (let i = 0; i < 100; i++) route('GET', `/nothing/${i}`);
    route('GET', `/alerts/${'x'.repeat(300)}`);
    expect(route.remembered()).toBe(0);
    route('GET', '/alerts/a1');
    expect(route.remembered()).toBe(1);
  });
});
