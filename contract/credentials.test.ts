import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { propertyOptions } from '../mock/test-support/property-options.js';
import { extractCredential, isToken68 } from './credentials.js';

const KEY = 'cbr_live_' + 'A'.repeat(40);
const OTHER = 'cbr_live_' + 'B'.repeat(40);

describe('extractCredential', () => {
  it('CRED-1: reads a Bearer key', () => {
    expect(extractCredential(['Authorization', `Bearer ${KEY}`])).toEqual({ kind: 'bearer', key: KEY });
  });

  it('CRED-2: reads an X-Api-Key key', () => {
    expect(extractCredential(['X-Api-Key', KEY])).toEqual({ kind: 'x-api-key', key: KEY });
  });

  it('CRED-3: no credential header is no credential', () => {
    expect(extractCredential(['Host', 'x', 'Accept', '*/*'])).toEqual({ kind: 'none' });
  });

  it.each(['authorization', 'AUTHORIZATION', 'AuThOrIzAtIoN'])('CRED-4: header name %s is Authorization', (name) => {
    expect(extractCredential([name, `Bearer ${KEY}`])).toEqual({ kind: 'bearer', key: KEY });
  });

  it.each(['x-api-key', 'X-API-KEY', 'x-Api-kEy'])('CRED-4: header name %s is X-Api-Key', (name) => {
    expect(extractCredential([name, KEY])).toEqual({ kind: 'x-api-key', key: KEY });
  });

  it.each([
    ['x-api-key', 'x-api-secret'],
    ['X-API-KEY', 'X-API-SECRET'],
    ['X-Api-Key', 'X-Api-Secret'],
  ])('CRED-4: legacy header names %s / %s in any case', (k, s) => {
    expect(extractCredential([k, 'cbak_abc', s, 'sekret'])).toEqual({ kind: 'legacy', accessKey: 'cbak_abc', secret: 'sekret' });
  });

  it.each(['bearer', 'BEARER', 'BeArEr'])('CRED-5: scheme %s is Bearer', (scheme) => {
    expect(extractCredential(['Authorization', `${scheme} ${KEY}`])).toEqual({ kind: 'bearer', key: KEY });
  });

  it('CRED-5: whatever follows the scheme, "Bearer" (the fast path) gives the same outcome as any other case of it', () => {
    const rest = fc.oneof(fc.string(), fc.constantFrom(KEY, ` ${KEY}`, `${KEY} `, `${KEY} x`, '', ' ', '\t', `a=b`, `${KEY}==`, `${KEY}\n`));
    fc.assert(
      fc.property(rest, fc.constantFrom('bearer', 'BEARER', 'bEaReR'), (r, other) => {
        expect(extractCredential(['Authorization', `Bearer ${r}`])).toEqual(extractCredential(['Authorization', `${other} ${r}`]));
      }),
      propertyOptions(),
    );
  });

  it('CRED-5: several spaces after the scheme and surrounding whitespace are allowed', () => {
    expect(extractCredential(['Authorization', `  Bearer    ${KEY}  `])).toEqual({ kind: 'bearer', key: KEY });
  });

  it.each([
    ['Basic', `Basic ${Buffer.from('user:pass').toString('base64')}`],
    ['Token', `Token ${KEY}`],
    ['empty token', 'Bearer '],
    ['scheme only', 'Bearer'],
    ['inner space', `Bearer ${KEY.slice(0, 20)} ${KEY.slice(20)}`],
    ['empty header', ''],
    ['no scheme', KEY],
  ])('CRED-7: Authorization with %s is refused as malformed', (_label, value) => {
    expect(extractCredential(['Authorization', value])).toMatchObject({ kind: 'refused', code: 'malformed_credentials', method: 'bearer' });
  });

  it('CRED-7, ERR-3: the refusal of a scheme-less key does not echo it', () => {
    const result = extractCredential(['Authorization', KEY]);
    expect(JSON.stringify(result)).not.toContain(KEY);
  });

  it('PREC-1: Bearer wins over X-Api-Key and the legacy pair', () => {
    expect(extractCredential(['X-Api-Key', OTHER, 'Authorization', `Bearer ${KEY}`, 'x-api-secret', 's'])).toEqual({ kind: 'bearer', key: KEY });
  });

  it('PREC-1: X-Api-Key with a cbr_live_ key wins over nothing else', () => {
    expect(extractCredential(['X-Api-Key', KEY])).toEqual({ kind: 'x-api-key', key: KEY });
  });

  it('PREC-2: a present but malformed Bearer does not fall back to a valid X-Api-Key', () => {
    expect(extractCredential(['Authorization', 'Basic dXNlcjpwYXNz', 'X-Api-Key', KEY])).toMatchObject({ kind: 'refused', code: 'malformed_credentials' });
  });

  it('PREC-3: x-api-key holding a cbr_live_ key is modern; the secret beside it is ignored', () => {
    expect(extractCredential(['x-api-key', KEY, 'x-api-secret', 'whatever'])).toEqual({ kind: 'x-api-key', key: KEY });
  });

  it('PREC-3: x-api-key without the cbr_live_ prefix plus a secret is a legacy pair', () => {
    expect(extractCredential(['x-api-key', 'cbak_123', 'x-api-secret', 'sek'])).toEqual({ kind: 'legacy', accessKey: 'cbak_123', secret: 'sek' });
  });

  it.each([
    ['two Authorization', ['Authorization', `Bearer ${KEY}`, 'authorization', `Bearer ${OTHER}`]],
    ['two identical Authorization', ['Authorization', `Bearer ${KEY}`, 'Authorization', `Bearer ${KEY}`]],
    ['two X-Api-Key', ['X-Api-Key', KEY, 'x-api-key', OTHER]],
    ['two x-api-secret', ['x-api-key', 'cbak_1', 'x-api-secret', 'a', 'X-Api-Secret', 'b']],
  ])('PREC-4: %s is ambiguous', (_label, raw) => {
    expect(extractCredential(raw)).toMatchObject({ kind: 'refused', code: 'ambiguous_credentials' });
  });

  it.each([
    ['x-api-key alone (not cbr_live_)', ['x-api-key', 'cbak_123']],
    ['x-api-secret alone', ['x-api-secret', 'sek']],
    ['empty secret', ['x-api-key', 'cbak_123', 'x-api-secret', '']],
    ['empty access key', ['x-api-key', '', 'x-api-secret', 'sek']],
  ])('LEG-2: %s is refused', (_label, raw) => {
    expect(extractCredential(raw)).toMatchObject({ kind: 'refused', code: 'malformed_credentials', method: 'legacy' });
  });

  it('CRED-8: a key in the query string is not a header, so not a credential', () => {
    // The query never reaches extractCredential; only headers do.
    expect(extractCredential(['Host', `x?api_key=${KEY}`])).toEqual({ kind: 'none' });
  });

  it('never throws on arbitrary header names and values, and always gives one of the outcomes', () => {
    const name = fc.oneof(
      fc.constantFrom('Authorization', 'authorization', 'X-Api-Key', 'x-api-key', 'X-API-SECRET', 'x-api-secret', 'Host'),
      fc.string({ maxLength: 20 }),
    );
    const value = fc.oneof(fc.string({ maxLength: 80 }), fc.constantFrom(`Bearer ${KEY}`, KEY, 'Bearer', 'bearer  ', 'Basic x'), fc.string({ unit: 'binary', maxLength: 40 }));
    fc.assert(
      fc.property(fc.array(fc.tuple(name, value), { maxLength: 8 }), (pairs) => {
        const result = extractCredential(pairs.flat());
        expect(['none', 'bearer', 'x-api-key', 'legacy', 'refused']).toContain(result.kind);
        if (result.kind === 'refused') expect(['malformed_credentials', 'ambiguous_credentials']).toContain(result.code);
        if (result.kind === 'bearer' || result.kind === 'x-api-key') expect(result.key).toMatch(/^[A-Za-z0-9\-._~+/]+=*$/);
      }),
      propertyOptions(500),
    );
  });

  it('CRED-4: field names match in any ASCII case, and only in ASCII (RFC 9110 §5.1)', () => {
    const caseOf = (name: string, flips: boolean[]): string => [...name].map((c, i) => (flips[i % flips.length] ? c.toUpperCase() : c.toLowerCase())).join('');
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 13 }), (flips) => {
        expect(extractCredential([caseOf('authorization', flips), `Bearer ${KEY}`])).toEqual({ kind: 'bearer', key: KEY });
        expect(extractCredential([caseOf('x-api-key', flips), KEY])).toEqual({ kind: 'x-api-key', key: KEY });
        expect(extractCredential([caseOf('x-api-key', flips), 'cbak_1', caseOf('x-api-secret', flips), 's3cret'])).toEqual({ kind: 'legacy', accessKey: 'cbak_1', secret: 's3cret' });
      }),
      propertyOptions(200),
    );
    // The Kelvin sign lower-cases to "k" in Unicode, but a field name is an ASCII token.
    expect(extractCredential(['X-Api-\u212Aey', KEY])).toEqual({ kind: 'none' });
  });
});

describe('isToken68', () => {
  it('accepts exactly what RFC 9110 token68 allows: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="', () => {
    // The grammar spelled out character by character, independently of the implementation's pattern.
    const TOKEN68_CHARS = new Set('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/');
    const reference = (t: string): boolean => {
      let i = 0;
      while (i < t.length && TOKEN68_CHARS.has(t[i]!)) i++;
      if (i === 0) return false;
      while (i < t.length && t[i] === '=') i++;
      return i === t.length;
    };
    const text = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.string({ unit: fc.constantFrom(...'aZ09-._~+/= \t:;%\u00e9\u212a'), maxLength: 30 }),
      fc.string({ unit: 'binary', maxLength: 20 }),
    );
    fc.assert(
      fc.property(text, (t) => {
        expect(isToken68(t)).toBe(reference(t));
      }),
      propertyOptions(2000),
    );
    expect(['abc', 'a==', 'A-._~+/9', 'x='].every(isToken68)).toBe(true);
    expect(['', '=', '=a', 'a=b', 'a b', 'é'].some(isToken68)).toBe(false);
  });
});
