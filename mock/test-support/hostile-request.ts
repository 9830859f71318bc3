// Test support: requests no polite client sends, as raw bytes for a socket (ERR-5). Arbitrary
// methods, paths, header names and values (non-ASCII, control characters, 64 KiB values, hundreds
// of fields), bodies (invalid JSON, deep nesting, huge arrays, wrong content types, wrong lengths).
import fc from 'fast-check';

/** A request as it goes on the wire, and a short description for a counterexample. */
export interface HostileRequest {
  readonly bytes: Buffer;
  readonly summary: string;
}

/** What the request carries as its key: the material is filled in by the test (it is random at every start). */
export type KeySlot = 'valid-bearer' | 'valid-x-api-key' | 'none';

const latin1 = (s: string) => Buffer.from(s, 'latin1');

/** Methods: the API's, other registered ones, made-up tokens, and bytes that are no token at all. */
export const hostileMethod = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE') },
  fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT', 'HEAD', 'OPTIONS', 'TRACE', 'PROPFIND', 'CONNECT', 'PRI', 'get'),
  fc.stringMatching(/^[A-Z]{1,12}$/),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }).map((s) => s.replace(/[\r\n ]/g, '')),
);

const apiPath = fc.constantFrom('/api/v1/alerts', '/api/v1/alerts/zz-unknown', '/api/alerts', '/api/v1/cases', '/api/v1/users/me', '/api/v1/api-keys', '/api/v1/alerts/create-case', '/__mock/keys', '/');

/** Paths: the API's with odd tails, percent-encoding that decodes to nothing, raw non-ASCII and control bytes. */
export const hostilePath = fc.oneof(
  { weight: 6, arbitrary: apiPath },
  fc.tuple(apiPath, fc.string({ unit: 'binary', maxLength: 40 })).map(([p, tail]) => p + tail.replace(/[\r\n ]/g, '')),
  fc.tuple(apiPath, fc.constantFrom('?limit=-1', '?limit=1e400', '?page=%ZZ', '?limit=abc&limit=5', '/%00', '/%E0%A4%A', '/..%2F..%2Fetc%2Fpasswd', '?' + 'a=1&'.repeat(2000))).map(([p, t]) => p + t),
  fc.constantFrom('*', 'http://elsewhere.example/api/v1/alerts', '//api/v1/alerts', ''),
);

const tokenName = fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,40}$/);
const knownName = fc.constantFrom('Authorization', 'X-Api-Key', 'x-api-secret', 'Content-Type', 'Content-Length', 'Transfer-Encoding', 'Host', 'Connection', 'Expect', 'Upgrade', 'X-Mock-Token', 'Accept');

/** Header names: tokens, the names the mock reads, and names with spaces, colons, control or non-ASCII bytes. */
export const hostileHeaderName = fc.oneof({ weight: 6, arbitrary: tokenName }, { weight: 4, arbitrary: knownName }, { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }).map((s) => s.replace(/[\r\n]/g, '')) });

/** Header values: text, non-ASCII, control characters, 64 KiB (past the 16 KiB head limit), odd credentials. */
export const hostileHeaderValue = fc.oneof(
  { weight: 10, arbitrary: fc.string({ maxLength: 60 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }).map((s) => s.replace(/[\r\n]/g, '')) },
  { weight: 1, arbitrary: fc.array(fc.integer({ min: 0, max: 31 }), { minLength: 1, maxLength: 8 }).map((cs) => 'a' + String.fromCharCode(...cs.filter((c) => c !== 10 && c !== 13)) + 'b') },
  { weight: 1, arbitrary: fc.constantFrom(64 * 1024, 20 * 1024, 15 * 1024).map((n) => 'v'.repeat(n)) },
  { weight: 2, arbitrary: fc.constantFrom('Bearer', 'Bearer ', 'Bearer  x y', 'Basic dXNlcjpwYXNz', 'cbr_live_', 'cbr_live_' + 'A'.repeat(40), 'chunked', 'gzip, chunked', '-1', '99999999999999999999', '100-continue', 'websocket') },
);

/** Hundreds of fields sometimes: the head limit is in bytes, not in fields. */
export const hostileHeaders = fc.oneof(
  { weight: 5, arbitrary: fc.array(fc.tuple(hostileHeaderName, hostileHeaderValue), { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 600 }).map((n) => Array.from({ length: n }, (_, i): [string, string] => [`X-Filler-${i}`, 'f']))},
);

const nested = (depth: number, open: string, close: string, inner = '1') => open.repeat(depth) + inner + close.repeat(depth);

/**
 * Bodies: invalid JSON, deep nesting, huge arrays (some past the 1 MiB limit), valid-looking alerts
 * (some nesting thousands deep, some with 100,000 invalid items), random JSON.
 */
export const hostileBody = fc.oneof(
  fc.constantFrom('{bad json', '{"title":', '[', 'null', '"string"', '12', '\u0000\u0001', '{"fields":null}', '{"__proto__":{"admin":true},"title":"t","type":"a","source":"b","sourceRef":"c"}', '{"title":"\uD800","type":"a","source":"b","sourceRef":"c"}'),
  fc.integer({ min: 1, max: 200_000 }).map((d) => `{"title":${nested(d, '[', ']')},"type":"a","source":"b","sourceRef":"c"}`),
  fc.integer({ min: 1, max: 100_000 }).map((d) => `{"fields":${nested(d, '{"a":', '}')}}`),
  fc.constantFrom(1_000, 100_000, 150_000).map((n) => `{"alertIds":[${Array(n).fill('"alert_x"').join(',')}]}`),
  // A valid alert whose free-form customFields nest thousands deep (once stored, it broke every list), and
  // one with up to 100,000 invalid observables (its 400 listed every one: megabytes, seconds of work).
  fc.integer({ min: 1, max: 5_000 }).map((d) => `{"title":"t","statusValue":"new","severity":1,"customFields":${nested(d, '{"a":', '}')}}`),
  fc.integer({ min: 1, max: 5_000 }).map((d) => `{"title":"t","statusValue":"new","severity":1,"customFields":{"x":${nested(d, '[', ']')}}}`),
  fc.constantFrom(10, 1_000, 100_000).map((n) => `{"title":"t","statusValue":"new","severity":1,"observables":[${Array(n).fill('{"dataType":7}').join(',')}]}`),
  fc.constantFrom(900 * 1024, 1024 * 1024 + 1, 3 * 1024 * 1024).map((n) => '[' + '0,'.repeat(Math.floor(n / 2)) + '0]'),
  fc.json({ maxDepth: 4 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
);

const contentType = fc.constantFrom(undefined, 'application/json', 'application/json; charset=utf-8', 'text/plain', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'application/x-www-form-urlencoded', ';;;', 'application/merge-patch+json');

/** How the body is framed: a true Content-Length, a false one, chunked, or no framing at all. */
const framing = fc.constantFrom('length', 'length', 'length', 'short-length', 'long-length', 'chunked', 'none');

/**
 * A whole hostile request. Every request ends with `Connection: close` unless the fields already
 * name Connection, so that an answer is followed by a close.
 */
export function hostileRequest(keys: { readonly bearer: string }): fc.Arbitrary<HostileRequest> {
  return fc
    .record({
      method: hostileMethod,
      path: hostilePath,
      version: fc.oneof({ weight: 12, arbitrary: fc.constant('HTTP/1.1') }, fc.constantFrom('HTTP/1.0', 'HTTP/2.0', 'HTTP/1.12', 'HTTP')),
      key: fc.constantFrom<KeySlot>('valid-bearer', 'valid-x-api-key', 'none'),
      headers: hostileHeaders,
      body: fc.option(hostileBody, { freq: 2 }),
      contentType,
      framing,
    })
    .map(({ method, path, version, key, headers, body, contentType: type, framing: frame }) => {
      const fields: [string, string][] = [['Host', '127.0.0.1']];
      if (key === 'valid-bearer') fields.push(['Authorization', `Bearer ${keys.bearer}`]);
      if (key === 'valid-x-api-key') fields.push(['X-Api-Key', keys.bearer]);
      if (type !== undefined) fields.push(['Content-Type', type]);
      fields.push(...headers);
      const payload = body === null ? undefined : Buffer.from(body, 'utf8');
      let tail: Buffer = Buffer.alloc(0);
      if (payload !== undefined) {
        if (frame === 'length') fields.push(['Content-Length', String(payload.length)]);
        else if (frame === 'short-length') fields.push(['Content-Length', String(Math.max(0, payload.length - 3))]);
        else if (frame === 'long-length') fields.push(['Content-Length', String(payload.length + 5)]);
        else if (frame === 'chunked') fields.push(['Transfer-Encoding', 'chunked']);
        tail = frame === 'chunked' ? Buffer.concat([latin1(payload.length.toString(16) + '\r\n'), payload, latin1('\r\n0\r\n\r\n')]) : payload;
      }
      if (!fields.some(([n]) => n.toLowerCase() === 'connection')) fields.push(['Connection', 'close']);
      const head = `${method} ${path} ${version}\r\n` + fields.map(([n, v]) => `${n}: ${v}`).join('\r\n') + '\r\n\r\n';
      // Header text goes out as UTF-8: non-ASCII names and values become the multi-byte sequences a careless client sends.
      const bytes = Buffer.concat([Buffer.from(head, 'utf8'), tail]);
      const shown = (s: string) => JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…(${s.length})` : s);
      const summary = `${shown(method)} ${shown(path)} ${version}; ${fields.length} fields [${fields.slice(0, 6).map(([n, v]) => `${shown(n)}: ${shown(v.replace(keys.bearer, '‹key›'))}`).join(', ')}${fields.length > 6 ? ', …' : ''}]; body ${payload === undefined ? 'none' : `${payload.length} bytes (${frame}, ${type ?? 'no type'})`}`;
      // fast-check prints a counterexample through this: the summary, not a buffer of bytes.
      return { bytes, summary, [fc.toStringMethod]: () => summary };
    });
}
