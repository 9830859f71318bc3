// TLP-3 against deployments whose lists are shaped otherwise than the mock's: a top-level array (as
// CaseBender documents GET /alerts), `{items, meta.total}`, a count in `X-Total-Count`. Each target
// is a small loopback proxy in front of the embedded mock that reshapes its list answers, correctly
// or with a leak. Before the list reader, an array list was skipped silently and a leak through it
// went unreported; a `meta.total` that counts hidden entities passed.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listView } from '../harness/list-view.js';
import type { Exchange } from '../harness/http-client.js';
import { startRun } from '../harness/run.js';
import { embeddedTarget, type Target } from '../harness/target.js';
import type { ResolvedProfile } from '../harness/load-profile.js';

type Reshaped = { body: string; headers?: Record<string, string> } | undefined;
/** What a list answer becomes (undefined: unchanged); `viaAdmin` reads the same path with a key of full clearance. */
type Reshape = (path: string, answer: { body: string }, viaAdmin: () => Promise<string>) => Reshaped | Promise<Reshaped>;

let mock: Target;
let adminKey: string;
const servers: Server[] = [];

beforeAll(async () => {
  mock = await embeddedTarget({ timeScale: 1 });
  const admin = mock.profile.keys.find((k) => k.name === 'admin');
  if (admin?.kind !== 'modern') throw new Error('the seed has no modern admin key');
  adminKey = admin.key;
});

afterAll(async () => {
  for (const s of servers) s.close();
  await mock.stop();
});

/** A loopback deployment: the mock behind a proxy that reshapes its 200 list answers. */
async function deployment(reshape: Reshape): Promise<ResolvedProfile> {
  const upstream = new URL(mock.profile.target.baseUrl);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const headers = new Headers();
        for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) if (!/^(host|connection|content-length)$/i.test(req.rawHeaders[i]!)) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
        const url = `${upstream.origin}${req.url}`;
        const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
        const got = await fetch(url, { method: req.method!, headers, ...(body !== undefined ? { body } : {}) });
        const text = await got.text();
        const path = new URL(url).pathname;
        const viaAdmin = async () => (await fetch(url, { headers: { Authorization: `Bearer ${adminKey}` } })).text();
        const changed = req.method === 'GET' && got.status === 200 ? await reshape(path, { body: text }, viaAdmin) : undefined;
        const out: Record<string, string> = {};
        got.headers.forEach((v, k) => {
          if (!/^(content-length|content-encoding|transfer-encoding|connection|keep-alive)$/i.test(k)) out[k] = v;
        });
        res.writeHead(got.status, { ...out, ...(changed?.headers ?? {}) });
        res.end(changed?.body ?? text);
      })().catch(() => res.destroy());
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const profile = JSON.parse(JSON.stringify(mock.profile)) as ResolvedProfile;
  profile.target.baseUrl = `http://127.0.0.1:${port}${upstream.pathname}`;
  delete (profile.target as { extraBaseUrls?: string[] }).extraBaseUrls;
  return profile;
}

async function tlp3(profile: ResolvedProfile) {
  const run = await startRun({ profile, only: ['TLP-3'] });
  try {
    const [result] = (await run.runAll()).results;
    return result!;
  } finally {
    run.close();
  }
}

const isList = (path: string, collection: string) => path.endsWith(`/${collection}`);
const itemsOf = (body: string): unknown[] => {
  const v = JSON.parse(body) as unknown;
  return Array.isArray(v) ? v : ((v as { data: unknown[] }).data ?? []);
};

describe('list reader', () => {
  const exchange = (body: unknown, headers: Record<string, readonly string[]> = {}): Exchange => ({ probe: { method: 'GET', path: '/x', headers: [] }, url: 'http://x/x', status: 200, headers, body: JSON.stringify(body), ms: 1 });
  it('finds items and totals wherever a deployment puts them', () => {
    expect(listView(exchange([{ id: 'a' }]), 'alerts')).toMatchObject({ items: [{ id: 'a' }], itemsAt: '(top level)', total: undefined });
    expect(listView(exchange({ data: [{ id: 'a' }], pagination: { total: 3 } }), 'alerts')).toMatchObject({ itemsAt: 'data', total: 3, totalAt: 'pagination.total' });
    expect(listView(exchange({ items: [], meta: { total: 0 } }), 'cases')).toMatchObject({ items: [], itemsAt: 'items', total: 0, totalAt: 'meta.total' });
    expect(listView(exchange({ results: [{ id: 'r' }], total: 9 }), 'cases')).toMatchObject({ itemsAt: 'results', total: 9, totalAt: 'total' });
    expect(listView(exchange({ cases: [{ id: 'c' }] }), 'cases')).toMatchObject({ itemsAt: 'cases' });
    expect(listView(exchange([{ id: 'a' }], { 'x-total-count': ['7'] }), 'alerts')).toMatchObject({ total: 7, totalAt: 'X-Total-Count' });
    expect(listView(exchange({ status: 'ok' }), 'alerts')).toMatchObject({ items: undefined, total: undefined });
    expect(listView({ ...exchange(null), body: 'not json' }, 'alerts').items).toBeUndefined();
  });
});

describe('TLP-3 on lists of other shapes', () => {
  it('passes a deployment whose alert list is a top-level array filtered correctly (the mock, as documented)', async () => {
    const result = await tlp3(await deployment(() => undefined));
    expect(result.result).toBe('pass');
  });

  it('fails a deployment whose top-level array of alerts leaks alerts above the key’s clearance', async () => {
    const result = await tlp3(await deployment(async (path, _answer, viaAdmin) => (isList(path, 'alerts') ? { body: await viaAdmin() } : undefined)));
    expect(result.result).toBe('fail');
    expect(result.verdict).toMatchObject({ outcome: 'violation', evidence: { summary: expect.stringMatching(/lists alert .* \(in \(top level\)\)/) } });
  });

  it('fails a deployment whose cases come as {items, meta.total} with a total that counts hidden cases', async () => {
    const profile = await deployment(async (path, answer, viaAdmin) => {
      if (!isList(path, 'cases')) return undefined;
      const all = (JSON.parse(await viaAdmin()) as { pagination: { total: number } }).pagination.total;
      return { body: JSON.stringify({ items: itemsOf(answer.body), meta: { total: all } }) };
    });
    const result = await tlp3(profile);
    expect(result.result).toBe('fail');
    expect(result.verdict).toMatchObject({ outcome: 'violation', evidence: { summary: expect.stringMatching(/cases meta\.total \d+, but a key of full clearance counts/) } });
  });

  it('passes {items} lists whose X-Total-Count leaves hidden entities out', async () => {
    const profile = await deployment((path, answer) => {
      if (!isList(path, 'cases') && !isList(path, 'observables')) return undefined;
      const items = itemsOf(answer.body);
      const total = (JSON.parse(answer.body) as { pagination: { total: number } }).pagination.total;
      return { body: JSON.stringify({ items }), headers: { 'X-Total-Count': String(total) } };
    });
    expect((await tlp3(profile)).result).toBe('pass');
  });

  it('skips, naming the collections, when no list holds its items where the suite looks', async () => {
    const profile = await deployment((path) => (['alerts', 'cases', 'observables'].some((c) => isList(path, c)) ? { body: JSON.stringify({ page: { entries: [] } }) } : undefined));
    const result = await tlp3(profile);
    expect(result.verdict).toMatchObject({ outcome: 'skipped', reason: expect.stringMatching(/alerts, cases, observables/) });
  });
});

