// Bodies the core gives again and again are kept with their bytes; a body changed afterwards
// (a fault's rewrite) is sent as changed, never as the bytes kept for the old text.
import { describe, expect, it } from 'vitest';
import { createMockApp } from '../mock/app.js';
import { startMockServer } from '../mock/http/server.js';
import { bodyBytes, failureAnswer, jsonAnswer } from './answer.js';

describe('kept bodies', () => {
  it('an entity answer keeps its text and bytes: the same objects every time, the bytes its UTF-8', () => {
    const entity = { id: 'alert_1', title: 'Ünïcödé — “quoted”' };
    const first = jsonAnswer(200, entity);
    const again = jsonAnswer(200, entity);
    expect(again.encoded).toBe(first.encoded);
    expect(first.body).toBe(JSON.stringify(entity));
    const bytes = bodyBytes(first.encoded!);
    expect(Buffer.from(bytes).toString('utf8')).toBe(first.body);
    expect(bodyBytes(again.encoded!)).toBe(bytes);
  });

  it('a repeated refusal keeps one body; one listing errors does not', () => {
    const failure = { status: 401, code: 'invalid_key', detail: 'The API key is not valid.' } as const;
    expect(failureAnswer(failure).encoded).toBe(failureAnswer(failure).encoded);
    expect(failureAnswer({ status: 400, code: 'invalid_body', detail: 'bad', errors: [{ field: 'x', message: 'is required' }] }).encoded).toBeUndefined();
  });

  it('over HTTP, a body a fault rewrote is sent as rewritten, with its own Content-Length', async () => {
    const app = await createMockApp({ clock: 'virtual', faults: ['key-echoed-in-error'] });
    const server = await startMockServer(app, { port: 0 });
    try {
      const wrong = `cbr_live_${'x'.repeat(40)}`;
      for (let i = 0; i < 2; i++) {
        const reply = await fetch(`${server.baseUrl}/alerts`, { headers: { Authorization: `Bearer ${wrong}` } });
        const text = await reply.text();
        expect(reply.status).toBe(401);
        expect(text).toContain(`Presented: ${wrong}`);
        expect(Number(reply.headers.get('content-length'))).toBe(Buffer.byteLength(text));
      }
    } finally {
      await server.close();
    }
  });
});
