import { describe, expect, it } from 'vitest';
import { replayDifference } from './capture-response.js';
import type { Replay } from './server-messages.js';

const body = (text: string): string => Buffer.from(text).toString('base64');
const replay: Replay = { status: 200, headers: [['Content-Type', 'application/json'], ['Content-Length', '2']], body: body('{}') };

describe('replayDifference', () => {
  it('finds none between identical answers', () => {
    expect(replayDifference(replay, { ...replay, headers: replay.headers.map(([n, v]) => [n, v] as const) })).toBeUndefined();
  });

  it('names a different status', () => {
    expect(replayDifference(replay, { ...replay, status: 401 })).toBe('status 401, expected 200');
  });

  it('names the first header that differs, case included', () => {
    expect(replayDifference(replay, { ...replay, headers: [['content-type', 'application/json'], ['Content-Length', '2']] })).toBe(
      'header #1 is "content-type: application/json", expected "Content-Type: application/json"',
    );
  });

  it('notices a missing header', () => {
    expect(replayDifference(replay, { ...replay, headers: replay.headers.slice(0, 1) })).toBe('header #2 is "(none)", expected "Content-Length: 2"');
  });

  it('notices different body bytes', () => {
    expect(replayDifference(replay, { ...replay, body: body('[]') })).toBe('body differs (2 bytes, expected 2)');
  });
});
