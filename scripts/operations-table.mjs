// Prints the table of operations of docs/mock.md from fixtures/openapi.yaml: every operation under /api
// (also under /api/v1), its scopes, whether CaseBender documents it (x-casebender-source) and its
// success answer. `node scripts/operations-table.mjs` prints it; fixtures/readme.test.ts checks
// that docs/mock.md holds exactly this table.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** The markdown table of the document's operations. */
export function operationsTable(doc) {
  const schemaName = (ref) => (ref ?? '').split('/').pop();
  const answer = (operation) => {
    const [status, response] = Object.entries(operation.responses).find(([s]) => s.startsWith('2'));
    const resolved = response.$ref ? doc.components.responses[schemaName(response.$ref)] : response;
    const schema = resolved.content?.['application/json']?.schema;
    const name = schemaName(schema?.$ref);
    const target = name ? doc.components.schemas[name] : undefined;
    const shape = target === undefined ? '' : target.type === 'array' ? ` ${schemaName(target.items.$ref)}[] (top-level array)` : ` ${name}`;
    return `${status}${shape}`;
  };
  const rows = ['| method | path (under `/api`, also `/api/v1`) | scopes | CaseBender | answer |', '|---|---|---|---|---|'];
  for (const [path, item] of Object.entries(doc.paths)) {
    if (!path.startsWith('/api/v1/')) continue;
    for (const method of METHODS) {
      const operation = item[method];
      if (operation === undefined) continue;
      const source = operation['x-casebender-source'];
      rows.push(`| ${method.toUpperCase()} | \`${path.slice('/api/v1'.length)}\` | ${operation['x-scopes'].map((s) => `\`${s}\``).join(' + ')} | ${source === 'reference' ? 'ours (reference)' : source} | ${answer(operation)} |`);
    }
  }
  return rows.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const doc = parse(readFileSync(new URL('../fixtures/openapi.yaml', import.meta.url), 'utf8'));
  console.log(operationsTable(doc));
}
