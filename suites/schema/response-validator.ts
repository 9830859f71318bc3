// SCHEMA-1: every answer the suites receive, checked against an OpenAPI document (status,
// documented headers, body) with ajv. The document is the project's by default, or the
// deployment's own (--openapi FILE).
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import { createRouter, relativePath, type Operation } from '../../contract/index.js';
import type { Exchange } from '../harness/http-client.js';

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

interface ResponseSpec {
  readonly body?: ValidateFunction;
  readonly contentTypes: readonly string[];
  readonly headers: readonly { name: string; required: boolean; validate: ValidateFunction }[];
}

export interface SchemaFinding {
  readonly exchange: Exchange;
  readonly problem: string;
}

type Doc = {
  paths: Record<string, Record<string, { operationId?: string; responses?: Record<string, Resp>; 'x-casebender-source'?: string }>>;
  components?: { responses?: Record<string, Resp>; headers?: Record<string, Hdr> };
};
type Resp = { $ref?: string; headers?: Record<string, Hdr>; content?: Record<string, { schema?: unknown }> };
type Hdr = { $ref?: string; required?: boolean; schema?: unknown };

const rebase = (v: unknown) => JSON.parse(JSON.stringify(v).replaceAll('"$ref":"#/', '"$ref":"openapi.json#/')) as object;

/** Where the part of the document an answer is judged by comes from (fixtures/openapi.yaml's x-casebender-source). */
export type DocumentSource = 'documented' | 'inferred' | 'reference';

export interface ResponseValidator {
  /** The problems of one answer; empty when it matches the document. */
  check(exchange: Exchange): string[];
  /**
   * Whether the answer is judged by a part CaseBender documents: the success answer of an operation
   * marked documented or inferred. Error answers (their problem+json bodies), operations marked
   * reference, and a document without the marks (a deployment's own) give 'reference' and
   * undefined respectively.
   */
  sourceOf(exchange: Exchange): DocumentSource | undefined;
}

/** Compiles the document's responses per operation path (method + template) and status. */
export function createResponseValidator(documentPath: string): ResponseValidator {
  const text = readFileSync(documentPath, 'utf8');
  const doc = (documentPath.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) as Doc;
  const ajv = new Ajv({ strict: false, allErrors: false });
  addFormats(ajv);
  ajv.addSchema(doc as object, 'openapi.json');
  const deref = <T extends { $ref?: string }>(v: T): T => {
    if (v.$ref === undefined) return v;
    const parts = v.$ref.replace(/^#\//, '').split('/');
    let cur: unknown = doc;
    for (const p of parts) cur = (cur as Record<string, unknown>)[p.replaceAll('~1', '/').replaceAll('~0', '~')];
    return deref(cur as T);
  };
  const operations: Operation[] = [];
  const specs = new Map<string, Map<string, ResponseSpec>>();
  const sources = new Map<string, string | undefined>();
  for (const [path, item] of Object.entries(doc.paths)) {
    const rel = relativePath(path);
    if (rel === undefined || !path.startsWith('/api/v1')) continue;
    for (const [method, op] of Object.entries(item)) {
      if (op.responses === undefined) continue;
      const id = `${method.toUpperCase()} ${rel}`;
      operations.push({ id, method: method.toUpperCase(), path: rel, scopes: [] });
      sources.set(id, op['x-casebender-source']);
      const byStatus = new Map<string, ResponseSpec>();
      for (const [status, r] of Object.entries(op.responses)) {
        const resp = deref(r);
        const content = resp.content ?? {};
        const json = Object.entries(content).find(([t]) => t.includes('json'));
        byStatus.set(status, {
          ...(json?.[1].schema !== undefined ? { body: ajv.compile(rebase(json[1].schema)) } : {}),
          contentTypes: Object.keys(content),
          headers: Object.entries(resp.headers ?? {}).map(([name, h]) => {
            const header = deref(h);
            return { name: name.toLowerCase(), required: header.required === true, validate: ajv.compile(rebase(header.schema ?? {})) };
          }),
        });
      }
      specs.set(id, byStatus);
    }
  }
  const route = createRouter(operations);
  return {
    sourceOf(exchange) {
      const rel = relativePath(new URL(exchange.url).pathname);
      const match = rel === undefined ? undefined : route(exchange.probe.method, rel);
      if (match?.kind !== 'operation') return undefined;
      const source = sources.get(match.operation.id);
      if (source !== 'documented' && source !== 'inferred' && source !== 'reference') return undefined;
      return exchange.status >= 200 && exchange.status < 300 ? source : 'reference';
    },
    check(exchange) {
      // Answered by the HTTP layer before any operation is reached; no API document lists them.
      if (exchange.status === 431 || exchange.status === 408) return [];
      const url = new URL(exchange.url);
      const rel = relativePath(url.pathname);
      if (rel === undefined) return [];
      const match = route(exchange.probe.method, rel);
      if (match.kind !== 'operation') return [];
      const byStatus = specs.get(match.operation.id)!;
      const spec = byStatus.get(String(exchange.status)) ?? byStatus.get(`${String(exchange.status)[0]}XX`) ?? byStatus.get('default');
      const where = `${exchange.probe.method} ${match.operation.path} → ${exchange.status}`;
      if (spec === undefined) return [`${where}: the document lists no ${exchange.status} answer for this operation`];
      const problems: string[] = [];
      for (const h of spec.headers) {
        const value = exchange.headers[h.name]?.[0];
        if (value === undefined) {
          if (h.required) problems.push(`${where}: the required header ${h.name} is missing`);
          continue;
        }
        const asNumber = /^-?\d+$/.test(value) ? Number(value) : value;
        if (!h.validate(asNumber) && !h.validate(value)) problems.push(`${where}: header ${h.name}: ${JSON.stringify(value)} ${h.validate.errors?.[0]?.message ?? 'does not match'}`);
      }
      if (spec.contentTypes.length === 0) {
        if (exchange.body !== '') problems.push(`${where}: the document gives this answer no body, but it has one`);
        return problems;
      }
      const type = (exchange.headers['content-type']?.[0] ?? '').split(';')[0]!.trim().toLowerCase();
      if (!spec.contentTypes.includes(type)) problems.push(`${where}: Content-Type ${JSON.stringify(type)} is not one of ${spec.contentTypes.join(', ')}`);
      if (spec.body !== undefined) {
        let body: unknown;
        try {
          body = JSON.parse(exchange.body);
        } catch {
          problems.push(`${where}: the body is not JSON`);
          return problems;
        }
        if (!spec.body(body)) {
          const e = spec.body.errors?.[0];
          problems.push(`${where}: body${e?.instancePath ?? ''} ${e?.message ?? 'does not match'}${e?.params && 'additionalProperty' in e.params ? ` (${String(e.params['additionalProperty'])})` : ''}`);
        }
      }
      return problems;
    },
  };
}
