// ajv set up once for the project's own JSON Schemas (seed, profile): every error names its field.
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { readFixture } from './platform/node.js';

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);

/** A validator for a schema in fixtures/, returning readable lines ("keys[3].tier: is required"). */
export function schemaChecker(fileName: string): (value: unknown) => string[] {
  const schema = JSON.parse(readFixture(fileName)) as object;
  const validate = ajv.compile(schema);
  return (value) => (validate(value) ? [] : describeErrors(validate.errors ?? []));
}

/** Readable lines; alternatives (oneOf of required fields) become one "needs one of" line. */
function describeErrors(errors: readonly ErrorObject[]): string[] {
  const alternatives = new Map<string, string[]>();
  const lines: string[] = [];
  for (const error of errors) {
    if (error.keyword === 'oneOf' || error.keyword === 'if' || error.keyword === 'anyOf') continue;
    const missing = (error.params as { missingProperty?: string }).missingProperty;
    if (error.keyword === 'required' && missing !== undefined && /\/(oneOf|anyOf)\//.test(error.schemaPath)) {
      const at = error.instancePath;
      alternatives.set(at, [...(alternatives.get(at) ?? []), missing]);
      continue;
    }
    lines.push(describeError(error));
  }
  for (const [at, names] of alternatives) {
    lines.push(`${pathOf(at) || '(top level)'}: needs one of ${[...new Set(names)].join(', ')}`);
  }
  return lines;
}

function pathOf(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`))
    .join('')
    .replace(/^\./, '');
}

function describeError(error: ErrorObject): string {
  let field = pathOf(error.instancePath);
  const params = error.params as { missingProperty?: string; additionalProperty?: string; allowedValues?: unknown[] };
  if (params.missingProperty !== undefined) field = field === '' ? params.missingProperty : `${field}.${params.missingProperty}`;
  if (params.additionalProperty !== undefined) return `${field === '' ? '' : field + '.'}${params.additionalProperty}: is not a known field`;
  const allowed = params.allowedValues !== undefined ? ` (${params.allowedValues.map((v) => JSON.stringify(v)).join(', ')})` : '';
  return `${field === '' ? '(top level)' : field}: ${error.keyword === 'required' ? 'is required' : error.message ?? 'is invalid'}${allowed}`;
}
