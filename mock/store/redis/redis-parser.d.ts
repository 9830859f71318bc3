// Types of redis-parser 3 (ioredis's RESP parser), which ships none: what fast-lane.ts uses.
declare module 'redis-parser' {
  interface RedisParserOptions {
    returnReply(reply: unknown): void;
    returnError(error: Error): void;
    returnFatalError?(error: Error): void;
    returnBuffers?: boolean;
    stringNumbers?: boolean;
  }
  export default class RedisParser {
    constructor(options: RedisParserOptions);
    /** Parses what arrived; calls returnReply/returnError once a reply is complete. */
    execute(buffer: Buffer): void;
    reset(): void;
  }
}
