// LEG: the deprecated legacy pair (contract LEG-1..4).
import { pass, skip, violation, type Check } from '../harness/check.js';
import { accepted, acceptedRead, allAnswer, header, probe } from '../harness/expect.js';
import { credentialHeaders, isLegacy, mangle, stateOf, type LegacyKey } from '../harness/keyring.js';

const NO_PAIR = 'the profile gives no active legacy pair with a read it may make';

export const legacyChecks: Check[] = [
  {
    requirement: 'LEG-1',
    title: 'a valid x-api-key + x-api-secret pair is accepted',
    async run(ctx) {
      const read = await acceptedRead(ctx, 'legacy');
      if (read === undefined) return skip(NO_PAIR);
      return allAnswer(ctx, [probe('GET', read.path, credentialHeaders(read.key))], accepted, 'LEG-1: the legacy pair is still supported');
    },
  },
  {
    requirement: 'LEG-2',
    title: 'either half alone, a wrong secret or another pair’s secret gets 401',
    async run(ctx) {
      const read = await acceptedRead(ctx, 'legacy');
      if (read === undefined) return skip(NO_PAIR);
      const pair = read.key as LegacyKey;
      const probes = [
        probe('GET', read.path, [['x-api-key', pair.accessKey]]),
        probe('GET', read.path, [['x-api-secret', pair.secret]]),
        probe('GET', read.path, [['x-api-key', pair.accessKey], ['x-api-secret', mangle(pair.secret, 'flip-middle')]]),
      ];
      const other = ctx.profile.keys.filter(isLegacy).find((k) => k.accessKey !== pair.accessKey && k.secret !== pair.secret);
      if (other !== undefined) probes.push(probe('GET', read.path, [['x-api-key', pair.accessKey], ['x-api-secret', other.secret]]));
      const verdict = await allAnswer(ctx, probes, 401, 'LEG-2: an incomplete or wrong pair is refused');
      return verdict.outcome === 'pass' && other === undefined ? pass('without the other-pair case: the profile gives one legacy pair') : verdict;
    },
  },
  {
    requirement: 'LEG-3',
    title: 'legacy answers carry Deprecation and Link rel="deprecation"; modern ones no Deprecation',
    async run(ctx) {
      const legacy = await acceptedRead(ctx, 'legacy');
      if (legacy === undefined) return skip(NO_PAIR);
      const exchange = await ctx.send(probe('GET', legacy.path, credentialHeaders(legacy.key)));
      const deprecation = header(exchange, 'deprecation');
      const links = exchange.headers['link'] ?? [];
      if (deprecation === undefined || !/^@-?\d+$/.test(deprecation.trim())) {
        return violation({ summary: `a legacy answer has ${deprecation === undefined ? 'no Deprecation header' : `Deprecation "${deprecation}", not an RFC 9745 date (@<unix seconds>)`}`, exchange, expected: 'Deprecation: @<unix seconds>', why: 'LEG-3: RFC 9745' });
      }
      if (!links.some((l) => /rel="?deprecation"?/i.test(l))) {
        return violation({ summary: 'a legacy answer has no Link with rel="deprecation"', exchange, expected: 'Link: <...>; rel="deprecation"', why: 'LEG-3: RFC 9745 §3' });
      }
      const modern = await acceptedRead(ctx, 'modern');
      if (modern !== undefined) {
        const m = await ctx.send(probe('GET', modern.path, credentialHeaders(modern.key)));
        if (header(m, 'deprecation') !== undefined) return violation({ summary: 'an answer to a modern key carries Deprecation', exchange: m, expected: 'no Deprecation header', why: 'LEG-3: modern credentials are not deprecated' });
      }
      return pass();
    },
  },
  {
    requirement: 'LEG-4',
    title: 'legacy pairs have the same lifecycle, tiers and scopes as modern keys',
    async run(ctx) {
      const pairs = ctx.profile.keys.filter(isLegacy);
      if (pairs.length === 0) return skip('the profile gives no legacy pair');
      let checked = 0;
      for (const pair of pairs) {
        for (const path of ['/alerts?limit=1', '/api-keys?limit=1']) {
          const p = probe('GET', path, credentialHeaders(pair));
          const expected = await ctx.oracle.expect(p);
          const exchange = await ctx.send(p);
          checked++;
          const same = expected.status === 200 ? exchange.status >= 200 && exchange.status < 300 : exchange.status === expected.status;
          if (!same) {
            return violation({ summary: `legacy pair "${pair.name}" (${stateOf(pair)}, scopes ${pair.scopes.join(' ') || 'none'}): GET ${path} expected ${expected.status}, got ${exchange.status}`, exchange, expected: String(expected.status), why: 'LEG-4: a legacy pair is judged like a modern key of the same state and scopes' });
          }
          const tier = ctx.model.tiers[pair.tier];
          if (tier !== null && tier !== undefined && exchange.status !== 401 && header(exchange, 'x-ratelimit-limit') === undefined) {
            return violation({ summary: `legacy pair "${pair.name}" of tier ${pair.tier}: no X-RateLimit-Limit on the answer`, exchange, expected: 'X-RateLimit-* headers as for modern keys', why: 'LEG-4: same tiers' });
          }
        }
      }
      return pass(`${checked} requests over ${pairs.length} pairs`);
    },
  },
];
