// Test support: the mock in a child process of its own that reports its memory after a full
// garbage collection, so that a test measures the server alone (run with node --expose-gc).
import { createMockApp } from '../app.js';
import { startMockServer } from '../http/server.js';

/** What the child reports when asked to "measure": process.memoryUsage() after two full GCs. */
export interface MemoryReport {
  readonly heapUsed: number;
  readonly rss: number;
  readonly external: number;
  readonly arrayBuffers: number;
}

const collect = (globalThis as { gc?: () => void }).gc;
if (collect === undefined || process.send === undefined) throw new Error('run with node --expose-gc and an IPC channel');
const app = await createMockApp();
const server = await startMockServer(app, { port: 0 });
const key = app.profile(server.baseUrl).keys.find((k) => k.name === 'unlimited-a')?.key;
process.send({ port: Number(new URL(server.origin).port), key });
process.on('message', (message) => {
  if (message === 'measure') {
    collect();
    collect();
    const { heapUsed, rss, external, arrayBuffers } = process.memoryUsage();
    process.send?.({ heapUsed, rss, external, arrayBuffers } satisfies MemoryReport);
  } else if (message === 'stop') void server.close().then(() => process.exit(0));
});
