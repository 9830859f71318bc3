// Request validation against the OpenAPI document's schemas, with ajv (contract: TLP-5, ERR-1).
// The document is data; this module compiles it once into one validator per operation.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

export interface FieldError {
  readonly field: string;
  readonly message: string;
}

export type BodyValidator = (body: unknown) => readonly FieldError[];

export interface Validators {
  /** The validator of an operation's JSON body, by operationId; absent when it takes none. */
  readonly bodies: ReadonlyMap<string, BodyValidator>;
}

interface OpenApiDoc {
  paths: Record<string, Record<string, { operationId?: string; requestBody?: { content?: Record<string, { schema?: unknown }> } }>>;
}

/** Compiles a validator per operation from the document's `requestBody` schemas. */
export function compileValidators(doc: unknown): Validators {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(doc as object, 'openapi.json');
  const bodies = new Map<string, BodyValidator>();
  for (const [path, item] of Object.entries((doc as OpenApiDoc).paths)) {
    if (!path.startsWith('/api/v1/')) continue;
    for (const operation of Object.values(item)) {
      const schema = operation.requestBody?.content?.['application/json']?.schema;
      if (operation.operationId === undefined || schema === undefined) continue;
      bodies.set(operation.operationId, toFieldErrors(ajv.compile(rebase(schema))));
    }
  }
  return { bodies };
}

/** Local `#/components/...` references inside the document point into it from outside. */
function rebase(schema: unknown): object {
  return JSON.parse(JSON.stringify(schema).replaceAll('"$ref":"#/', '"$ref":"openapi.json#/')) as object;
}

function toFieldErrors(validate: ValidateFunction): BodyValidator {
  return (body) => {
    if (validate(body)) return [];
    const seen = new Set<string>();
    const out: FieldError[] = [];
    for (const error of validate.errors ?? []) {
      const e = fieldError(error);
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
