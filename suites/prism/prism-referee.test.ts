// Prism as referee: the mock's answers pass Prism's own validation against fixtures/openapi.yaml in
// a whole functional run; a deployment whose answers break the document fails SCHEMA-1 in Prism's
// words; a missing Prism is a clear usage error.
import { writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../mock/test-support/temp-dir.js';
import { runRunCommand } from '../cli.js';
import { embeddedTarget, type Target } from '../harness/target.js';
import type { Exchange } from '../harness/http-client.js';
import { createPrismReferee, importOptional, PrismMissing, type PrismReferee } from './prism-referee.js';

const dir = tempDir('cb-prism-');
let referee: PrismReferee;
beforeAll(async () => {
  referee = await createPrismReferee();
});

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runRunCommand([...args, '--format', 'none'], (l) => out.push(l), (l) => err.push(l));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const exchange = (url: string, status: number, contentType: string, body: string, headers: Record<string, string[]> = {}): Exchange => ({
  probe: { method: 'GET', path: new URL(url).pathname, headers: [['Authorization', 'Bearer cbr_live_x']] },
  url,
  status,
  headers: { 'content-type': [contentType], ...headers },
  body,
  ms: 1,
});

describe('Prism as referee (SCHEMA-1)', () => {
  it('SCHEMA-1: Prism finds the answers that break the document, and lets the ones that keep it pass', async () => {
    const problem = JSON.stringify({ type: 'urn:casebender:problem:invalid_key', title: 'Unauthorized', status: 401, detail: 'The API key is not valid.', code: 'invalid_key' });
    expect(await referee.check(exchange('http://h/api/v1/alerts', 401, 'application/problem+json', problem, { 'www-authenticate': ['Bearer realm="CaseBender"'] }))).toEqual({ kind: 'valid' });
    const list = await referee.check(exchange('http://h/api/v1/alerts?limit=1', 200, 'application/json', JSON.stringify({ data: [] })));
    expect(list).toMatchObject({ kind: 'violations', messages: [expect.stringMatching(/pagination/)] });
    const plain = await referee.check(exchange('http://h/api/v1/alerts', 401, 'text/plain', 'no'));
    expect(plain).toMatchObject({ kind: 'violations', messages: expect.arrayContaining([expect.stringMatching(/media type "text\/plain"/), expect.stringMatching(/www-authenticate/)]) });
    expect(await referee.check(exchange('http://h/api/v1/nowhere', 404, 'application/problem+json', '{}'))).toMatchObject({ kind: 'unrouted' });
  });

  it('a missing Prism is named, with the command that installs it', async () => {
    await expect(importOptional('@stoplight/prism-not-a-package')).rejects.toThrow(PrismMissing);
    await expect(importOptional('@stoplight/prism-not-a-package')).rejects.toThrow(/npm install --no-save @stoplight\/prism-cli@5\.14\.2/);
  });
});

describe('casebender run --validate-with-prism', () => {
  let target: Target;
  let breaking: Server;
  let profileFile: string;
  beforeAll(async () => {
    target = await embeddedTarget();
    const upstream = new URL(target.profile.target.baseUrl);
    // A deployment whose alert lists lack the pagination object the document requires.
    breaking = createServer((req, res) => {
      const forward = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', () => {
          let body = Buffer.concat(chunks).toString('utf8');
          if (answer.statusCode === 200 && /^\/api\/v1\/alerts(\?|$)/.test(req.url ?? '')) body = body.replace(/,"pagination":\{[^}]*\}/, '');
          const { 'content-length': _length, ...headers } = answer.headers;
          res.writeHead(answer.statusCode ?? 502, headers);
          res.end(body);
        });
      });
      req.pipe(forward);
    });
    await new Promise<void>((resolve) => breaking.listen(0, '127.0.0.1', resolve));
    const { source: _source, ...profile } = target.profile;
    profileFile = join(dir, 'profile.json');
    writeFileSync(profileFile, JSON.stringify(profile));
  }, 30_000);
  afterAll(async () => {
    breaking?.close();
    await target?.stop();
  });

  it('SCHEMA-1: the mock passes a functional run with every answer judged by Prism', async () => {
    const { code, out } = await run(['--validate-with-prism', '--skip', 'RL,HDR', '--verbose']);
    expect(code, out).toBe(0);
    expect(out).toMatch(/PASS SCHEMA-1 .*Prism judged \d+ of them valid/);
  }, 120_000);

  it('SCHEMA-1: a deployment whose lists break the document fails, in Prism’s words', async () => {
    const port = (breaking.address() as { port: number }).port;
    const { code, out } = await run(['--profile', profileFile, '--target', `http://127.0.0.1:${port}/api/v1`, '--only', 'CRED,SCHEMA', '--validate-with-prism']);
    expect(code).toBe(1);
    expect(out).toMatch(/FAIL SCHEMA-1 \(DOC\)[\s\S]*Prism finds \d+ of \d+ answers in breach of the OpenAPI document; first: Prism: body: Response body must have required property 'pagination'/);
  }, 60_000);
});
