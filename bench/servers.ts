// A server child of bench/throughput.ts: either the mock, or a bare node:http server per scenario
// replaying the mock's answer byte for byte. Forked with --import tsx; speaks only over IPC,
// listens only on 127.0.0.1, and exits as soon as its parent is gone.
import { createServer, type OutgoingHttpHeaders } from 'node:http';
import type { FromChild, Replay, ScenarioName, ToChild } from './server-messages.js';

const HOST = '127.0.0.1';

if (process.send === undefined) {
  console.error('bench/servers.ts is started by bench/throughput.ts (it needs an IPC channel); run `npm run bench`.');
  process.exit(2);
}

function send(message: FromChild): void {
  process.send!(message);
}

process.on('message', (message: ToChild) => {
  onMessage(message).catch((error: unknown) => send({ kind: 'failed', message: error instanceof Error ? error.message : String(error) }));
});
// Never outlive the benchmark, even when it is killed without a chance to clean up.
process.on('disconnect', () => process.exit(0));
// Exit normally on signals so that --cpu-prof still writes its profile.
process.on('SIGINT', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));

async function onMessage(message: ToChild): Promise<void> {
  switch (message.kind) {
    case 'start':
      return send(message.role === 'mock' ? await startMock() : await startBare(message.replays));
    case 'usage': {
      const { user, system } = process.cpuUsage();
      return send({ kind: 'usage', cpuMicros: user + system });
    }
    case 'memory': {
      const { rss, heapUsed, arrayBuffers } = process.memoryUsage();
      return send({ kind: 'memory', rss, heapUsed, arrayBuffers });
    }
    case 'stop':
      process.exit(0);
  }
}

async function startMock(): Promise<FromChild> {
  // Imported here so that the bare server's process never loads the mock.
  const { createMockApp } = await import('../mock/app.js');
  const { startMockServer } = await import('../mock/http/server.js');
  const app = await createMockApp({});
  const server = await startMockServer(app, { host: HOST, port: 0 });
  const port = Number(new URL(server.origin).port);
  return { kind: 'ready', ports: { read: port, unauthorized: port, limited: port }, profile: app.profile(server.baseUrl) };
}

async function startBare(replays: Partial<Record<ScenarioName, Replay>>): Promise<FromChild> {
  const ports: Partial<Record<ScenarioName, number>> = {};
  for (const [name, replay] of Object.entries(replays) as [ScenarioName, Replay][]) {
    const { status } = replay;
    const headers = headersObject(replay.headers);
    const body = Buffer.from(replay.body, 'base64');
    // The lower bound: node:http doing nothing but writing the same bytes.
    const server = createServer((req, res) => {
      res.writeHead(status, headers);
      res.end(body);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, HOST, () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('the bare server has no TCP address');
    ports[name] = address.port;
  }
  return { kind: 'ready', ports };
}

/** The pairs as the object writeHead takes, keeping the mock's order and case (repeats become arrays). */
function headersObject(pairs: Replay['headers']): OutgoingHttpHeaders {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of pairs) {
    const existing = headers[name];
    headers[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return headers;
}
