// Request validation against the OpenAPI document's schemas, with ajv (contract: TLP-5, ERR-1).
// The document is data; this module compiles it once into one validator per operation.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import { readFixture } from './platform/node.js';

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/**
 * The field errors of a body, given its size in characters: a body past ALL_ERRORS_UP_TO is
 * judged only up to its first error, so that validation work stays bounded (100,000 invalid items
 * would otherwise be judged, and listed, one by one).
 */
export type BodyValidator = (body: unknown, size?: number) => readonly FieldError[];

/** Bodies up to this many characters get every error found; larger ones the first. */
export const ALL_ERRORS_UP_TO = 64 * 1024;

/** A multipart/form-data body: the form field holding the JSON document, its validator. */
export interface MultipartBody {
  readonly field: string;
  readonly validate: BodyValidator;
}

export interface Validators {
  /** The validator of an operation's JSON body, by operationId; absent when it takes none. */
  readonly bodies: ReadonlyMap<string, BodyValidator>;
  /**
   * Operations whose body is multipart/form-data with a JSON document in one field (the
   * document's `x-casebender-json` on that property), by operationId.
   */
  readonly multipart: ReadonlyMap<string, MultipartBody>;
}

interface OpenApiDoc {
  paths: Record<string, Record<string, { operationId?: string; requestBody?: { content?: Record<string, { schema?: unknown }> } }>>;
  components?: { schemas?: Record<string, { properties?: Record<string, { 'x-casebender-json'?: unknown }> }> };
}

/** Compiles a validator per operation from the document's `requestBody` schemas. */
export function compileValidators(doc: unknown): Validators {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(doc as object, 'openapi.json');
  // The first-error validators are compiled when a body first needs one (most runs never send a body past ALL_ERRORS_UP_TO).
  let firstOnly: Ajv | undefined;
  const firstErrorOf = (schema: object) => () => {
    if (firstOnly === undefined) {
      firstOnly = new Ajv({ strict: false, allErrors: false });
      addFormats(firstOnly);
      firstOnly.addSchema(doc as object, 'openapi.json');
    }
    return firstOnly.compile(schema);
  };
  const compile = (schema: unknown, prefix = '') => {
    const rebased = rebase(schema);
    return toFieldErrors(ajv.compile(rebased), firstErrorOf(rebased), prefix);
  };
  const bodies = new Map<string, BodyValidator>();
  const multipart = new Map<string, MultipartBody>();
  const openApi = doc as OpenApiDoc;
  for (const [path, item] of Object.entries(openApi.paths)) {
    if (!path.startsWith('/api/v1/')) continue;
    for (const operation of Object.values(item)) {
      const content = operation.requestBody?.content;
      if (operation.operationId === undefined || content === undefined) continue;
      const schema = content['application/json']?.schema;
      if (schema !== undefined) bodies.set(operation.operationId, compile(schema));
      const form = content['multipart/form-data']?.schema;
      if (form !== undefined) {
        const properties = resolve(openApi, form)?.properties ?? {};
        for (const [field, property] of Object.entries(properties)) {
          const json = property['x-casebender-json'];
          if (json !== undefined) multipart.set(operation.operationId, { field, validate: compile(json, field) });
        }
      }
    }
  }
  return { bodies, multipart };
}

/** A schema, or the component schema it refers to. */
function resolve(doc: OpenApiDoc, schema: unknown): { properties?: Record<string, { 'x-casebender-json'?: unknown }> } | undefined {
  const ref = (schema as { $ref?: string }).$ref;
  if (ref === undefined) return schema as { properties?: Record<string, { 'x-casebender-json'?: unknown }> };
  return doc.components?.schemas?.[ref.replace('#/components/schemas/', '')];
}

/** Local `#/components/...` references inside the document point into it from outside. */
function rebase(schema: unknown): object {
  return JSON.parse(JSON.stringify(schema).replaceAll('"$ref":"#/', '"$ref":"openapi.json#/')) as object;
}

function toFieldErrors(every: ValidateFunction, compileFirst: () => ValidateFunction, prefix = ''): BodyValidator {
  let first: ValidateFunction | undefined;
  return (body, size = 0) => {
    const validate = size > ALL_ERRORS_UP_TO ? (first ??= compileFirst()) : every;
    if (validate(body)) return [];
    const seen = new Set<string>();
    const out: FieldError[] = [];
    for (const error of validate.errors ?? []) {
      const found = fieldError(error);
      const e = prefix === '' ? found : { field: found.field === '(body)' ? prefix : `${prefix}.${found.field}`, message: found.message };
      const k = e.field + '\u0000' + e.message;
      if (!seen.has(k)) {
        seen.add(k);
        out.push(e);
      }
    }
    return out;
  };
}

function fieldError(error: ErrorObject): FieldError {
  const base = error.instancePath.split('/').slice(1).map(decodePointer).join('.');
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  if (error.keyword === 'required' && params.missingProperty !== undefined) {
    return { field: join(base, params.missingProperty), message: 'is required' };
  }
  if (error.keyword === 'additionalProperties' && params.additionalProperty !== undefined) {
    return { field: join(base, params.additionalProperty), message: 'is not a known field' };
  }
  return { field: base === '' ? '(body)' : base, message: error.message ?? 'is invalid' };
}

const join = (a: string, b: string) => (a === '' ? b : `${a}.${b}`);
const decodePointer = (s: string) => s.replaceAll('~1', '/').replaceAll('~0', '~');

let referenceCache: Validators | undefined;

/** The validators of the reference document (fixtures/openapi.yaml), compiled once per process. */
export function referenceValidators(): Validators {
  referenceCache ??= compileValidators(parseYaml(readFixture('openapi.yaml')));
  return referenceCache;
}
