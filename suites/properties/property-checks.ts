// Property-based checks (fast-check): random credential combinations against random
// operations; the expected answer is the core model's, given the profile. Each property varies
// the dimension of one requirement, so a failure names that requirement.
import fc from 'fast-check';
import { pass, skip, violation, type Check, type CheckContext, type Verdict } from '../harness/check.js';
import type { Exchange } from '../harness/http-client.js';
import { header, jsonBody, TargetUnreachable } from '../harness/http-client.js';
import type { Expectation } from '../harness/oracle.js';
import { harmlessProbe } from '../scopes/scope-matrix.js';
import { credentialSet, variantsFor, type CredentialPart } from '../arbitraries/credential-headers.js';
import { activeKeys, type Header } from '../harness/keyring.js';

interface Sample {
  readonly parts: readonly CredentialPart[];
  readonly operation: number;
}

/** A judge's word for an answer that does not bear on its requirement (e.g. no 401 to inspect). */
const NOT_JUDGED = Symbol('not judged');

/**
 * Judges one answer: a problem, undefined when it holds, or NOT_JUDGED when the answer does not
 * bear on the requirement; `send` re-sends the same request with other credential headers.
 */
type Judge = (exchange: Exchange, expected: Expectation, sample: Sample, send: (headers: Header[]) => Promise<Exchange>) => string | undefined | typeof NOT_JUDGED | Promise<string | undefined | typeof NOT_JUDGED>;


/** Whether the answer is a refusal of the credential (401) exactly when the model's is. */
const sameAuthentication: Judge = (e, x) => ((e.status === 401) === (x.status === 401) ? undefined : `expected ${x.status === 401 ? '401' : `not 401 (the model answers ${x.status})`}, got ${e.status}`);

/**
 * Runs a property over samples; the first counterexample fast-check shrinks to is the evidence.
 * When no answer bore on the requirement (a target that answers 500 to everything gives no 401 to
 * inspect), the check is skipped with `unjudged` as the reason, never passed on nothing.
 */
async function property(ctx: CheckContext, samples: fc.Arbitrary<Sample>, judge: Judge, why: string, unjudged = 'no answer bore on this requirement'): Promise<Verdict> {
  const key = activeKeys(ctx.profile)[0];
  if (key === undefined) return skip('the profile gives no active key');
  let evidence: { exchange: Exchange; problem: string } | undefined;
  let judged = 0;
  // A target that stops answering is no counterexample to shrink: remember it, stop sending, and
  // let the run report it (each shrinking step would otherwise wait out the timeout again).
  let unreachable: TargetUnreachable | undefined;
  const result = await fc.check(
    fc.asyncProperty(samples, async (sample) => {
      if (unreachable !== undefined) return true;
      const operation = ctx.model.operations[sample.operation % ctx.model.operations.length]!;
      const base = harmlessProbe(operation, key);
      const headers = [...(base.headers ?? []).filter(([n]) => n === 'Content-Type'), ...sample.parts.flatMap((p) => p.headers)];
      const probe = { ...base, headers };
      const expected = await ctx.oracle.expect(probe);
      const contentType = (base.headers ?? []).filter(([n]) => n === 'Content-Type');
      let exchange: Exchange;
      let problem: Awaited<ReturnType<Judge>>;
      try {
        exchange = await ctx.send(probe);
        problem = await judge(exchange, expected, sample, (h) => ctx.send({ ...base, headers: [...contentType, ...h] }));
      } catch (error) {
        if (!(error instanceof TargetUnreachable)) throw error;
        unreachable = error;
        return true;
      }
      if (problem === NOT_JUDGED) return true;
      judged++;
      if (problem !== undefined) evidence = { exchange, problem };
      return problem === undefined;
    }),
    { seed: ctx.fc.seed, numRuns: ctx.fc.numRuns, endOnFailure: false },
  );
  if (unreachable !== undefined) throw unreachable;
  if (!result.failed) return judged === 0 ? skip(`${unjudged}, among ${result.numRuns} random requests (seed ${ctx.fc.seed})`) : pass(`${result.numRuns} random requests, ${judged} of them judged, seed ${ctx.fc.seed}`);
  const counter = result.counterexample?.[0];
  const parts = counter?.parts.map((p) => `${p.method}(${p.variant})`).join(' + ') || 'no credential';
  return violation({
    summary: `counterexample (seed ${ctx.fc.seed}, path ${result.counterexamplePath ?? '-'}): ${parts}: ${evidence?.problem ?? 'failed'}`,
    ...(evidence !== undefined ? { exchange: evidence.exchange } : {}),
    why,
  });
}

const sample = (parts: fc.Arbitrary<CredentialPart[]>) => fc.record({ parts, operation: fc.nat() });
/** One credential only: with several, precedence decides, and that is PREC's to judge. */
const single = (parts: CredentialPart[]) => parts.slice(0, 1);
const onlyValid = (ctx: CheckContext) => (m: CredentialPart['method']) => (variantsFor(ctx.profile, m).includes('valid') ? ['valid' as const] : []);

export const propertyChecks: Check[] = [
  {
    requirement: 'CRED-4',
    title: 'property: one valid credential, header names in any case, any operation, is accepted or refused as the model says',
    run: (ctx) => property(ctx, sample(credentialSet(ctx.profile, { variants: onlyValid(ctx), vary: { names: true } }).map(single)), sameAuthentication, 'CRED-4: header names are case-insensitive'),
  },
  {
    requirement: 'CRED-5',
    title: 'property: a valid Bearer with the scheme in any case, any operation, is accepted or refused as the model says',
    run: (ctx) =>
      property(
        ctx,
        sample(credentialSet(ctx.profile, { variants: (m) => (m === 'bearer' ? onlyValid(ctx)(m) : []), vary: { scheme: true } }).map(single)),
        sameAuthentication,
        'CRED-5: the auth-scheme is case-insensitive',
      ),
  },
  {
    requirement: 'PREC-1',
    title: 'property: several valid credentials are answered as the one with precedence alone',
    run: (ctx) =>
      property(
        ctx,
        sample(credentialSet(ctx.profile, { variants: onlyValid(ctx), min: 2 })),
        // Judged against the target's own answer to the winner alone: what that credential may do
        // is other requirements' business (SCOPE, TLP); which credential decides is this one's.
        async (e, x, s, send) => {
          const alone = await send([...s.parts[0]!.headers]);
          const sameClass = (a: number, b: number) => (a >= 200 && a < 300 ? b >= 200 && b < 300 : a === b);
          // Only a winner the target answers alone as the model does tells which credential
          // decided (a target answering 500 or 401 to everything shows no precedence at all).
          if (!sameClass(x.status, alone.status)) return NOT_JUDGED;
          return sameClass(alone.status, e.status) ? undefined : `the credential with precedence (${s.parts[0]!.method}) alone gets ${alone.status}, with the others beside it ${e.status}`;
        },
        'PREC-1: Bearer over X-Api-Key over the legacy pair',
        'the target answered none of the winning credentials alone as the model says (see CRED-1, CRED-2, LEG-1)',
      ),
  },
  {
    requirement: 'PREC-2',
    title: 'property: any mix of valid and refused credentials answers as the model says (no fallback)',
    run: (ctx) =>
      property(
        ctx,
        sample(credentialSet(ctx.profile, { min: 2 })),
        async (e, x, s, send) => {
          // Only samples whose winning credential is refused bear on PREC-2, and only when the
          // target itself refuses that credential alone: fallback is what is judged here.
          if (x.status !== 401 || s.parts.length < 2 || s.parts[0]!.variant === 'valid') return NOT_JUDGED;
          if (e.status === 401) return undefined;
          const alone = await send([...s.parts[0]!.headers]);
          if (alone.status !== 401) return NOT_JUDGED;
          return `the credential with precedence (${s.parts[0]!.method}, ${s.parts[0]!.variant}) is refused alone (401), but with a lower one beside it the answer is ${e.status}`;
        },
        'PREC-2: no fallback past a refused credential',
        'the target refused none of the credentials with precedence alone (see CRED-6, CRED-7)',
      ),
  },
  {
    requirement: 'PREC-4',
    title: 'property: a credential header sent twice gets 401',
    run: (ctx) =>
      property(
        ctx,
        sample(credentialSet(ctx.profile, { variants: onlyValid(ctx) }).map((parts) => parts.slice(0, 1).map((p) => ({ ...p, headers: [...p.headers, p.headers[0]!] })))),
        (e) => (e.status === 401 ? undefined : `expected 401, got ${e.status}`),
        'PREC-4: duplicated credential headers are ambiguous',
      ),
  },
  {
    requirement: 'KEY-5',
    title: 'property: every 401 to one credential names the model’s reason code',
    run: (ctx) =>
      property(
        ctx,
        sample(credentialSet(ctx.profile).map(single)),
        (e, x) => (x.status !== 401 || e.status !== 401 ? NOT_JUDGED : jsonBody(e)?.['code'] === x.code ? undefined : `401 code ${JSON.stringify(jsonBody(e)?.['code'])}, expected ${x.code}`),
        'KEY-5: stable reason codes',
        'no 401 was answered to inspect (see CRED-3, KEY-1)',
      ),
  },
  {
    requirement: 'ERR-2',
    title: 'property: every 401 to one credential has the Bearer challenge the model gives it',
    run: (ctx) =>
      property(
        ctx,
        sample(credentialSet(ctx.profile).map(single)),
        (e, x) => {
          if (x.status !== 401 || e.status !== 401) return NOT_JUDGED;
          const got = header(e, 'www-authenticate') ?? '';
          const want = x.headers['WWW-Authenticate'] ?? '';
          if (!/^bearer\b/i.test(got)) return `WWW-Authenticate ${JSON.stringify(got || null)} is not a Bearer challenge`;
          return /error="invalid_token"/.test(got) === /error="invalid_token"/.test(want) ? undefined : `WWW-Authenticate ${JSON.stringify(got)}; expected ${want.includes('invalid_token') ? 'error="invalid_token"' : 'no error parameter'}`;
        },
        'ERR-2: RFC 6750 §3',
        'no 401 was answered to inspect (see CRED-3, KEY-1)',
      ),
  },
  {
    requirement: 'LEG-3',
    title: 'property: Deprecation exactly on answers to an accepted legacy pair, never to a modern key',
    run: (ctx) =>
      property(
        ctx,
        sample(credentialSet(ctx.profile).map(single)),
        (e, x) => {
          if (e.status === 401 || x.status === 401) return NOT_JUDGED;
          const legacy = x.headers['Deprecation'] !== undefined;
          const got = header(e, 'deprecation') !== undefined;
          return legacy === got ? undefined : legacy ? 'no Deprecation on an answer to a legacy pair' : 'Deprecation on an answer to a modern credential';
        },
        'LEG-3: deprecation is signalled on legacy answers only',
      ),
  },
];
