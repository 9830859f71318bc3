// ajv set up once for the project's own JSON Schemas (seed, profile): every error names its field.
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { fixturePath } from './fixture-path.js';

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);

/** A validator for a schema in fixtures/, returning readable lines ("keys[3].tier: is required"). */
export function schemaChecker(fileName: string): (value: unknown) => string[] {
  const schema = JSON.parse(readFileSync(fixturePath(fileName), 'utf8')) as object;
  const validate = ajv.compile(schema);
  return (value) => (validate(value) ? [] : (validate.errors ?? []).map(describeError));
}

function describeError(error: ErrorObject): string {
  let field = error.instancePath
    .split('/')
    .slice(1)
    .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`))
    .join('')
    .replace(/^\./, '');
  const params = error.params as { missingProperty?: string; additionalProperty?: string; allowedValues?: unknown[] };
  if (params.missingProperty !== undefined) field = field === '' ? params.missingProperty : `${field}.${params.missingProperty}`;
  if (params.additionalProperty !== undefined) return `${field === '' ? '' : field + '.'}${params.additionalProperty}: is not a known field`;
  const allowed = params.allowedValues !== undefined ? ` (${params.allowedValues.map((v) => JSON.stringify(v)).join(', ')})` : '';
  return `${field === '' ? '(top level)' : field}: ${error.keyword === 'required' ? 'is required' : error.message ?? 'is invalid'}${allowed}`;
}
