// The Redis store's fast lane: a second, plain connection for the three commands every request
// sends (key lookup HGET, rate decision EVALSHA, entity HGET), without ioredis's per-command
// machinery (a Command object with a flattened copy of its arguments, a timer, a promise wrapper
// and a Buffer-to-string pass a command: about 4 µs of a worker's CPU a command on this machine).
//
// It is only a lane, never a second source of truth and never a cache: it reads and decides on
// the same Redis as the ioredis client, so limits stay global (RL-10) and a revoked or suspended
// key is refused by every worker on its next request (KEY-3, KEY-4). ioredis keeps everything
// else (writes, loading the scripts, the connection's life, what the log says). While the lane is
// not connected the store sends through ioredis, so a request is never held waiting for the lane.
// A command in flight when the connection is lost, or unanswered after `timeoutMs`, fails (the
// request is answered 503, as over ioredis); unlike ioredis, one command past the timeout drops the
// connection, so every command in flight on it fails too. The lane reconnects in the background.
import { connect, type Socket } from 'node:net';
// ioredis's own reply parser (RESP2): the lane writes commands itself but never parses by hand.
import RedisParser from 'redis-parser';

export interface FastLaneOptions {
  readonly host?: string;
  readonly port?: number;
  /** A Unix socket, instead of host and port. */
  readonly path?: string;
  readonly username?: string;
  readonly password?: string;
  readonly db?: number;
  /** A command unanswered this long fails, and the connection is dropped (ms). */
  readonly timeoutMs: number;
}

export class FastLaneError extends Error {}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly at: number;
}

/** One command in RESP. */
function encode(args: readonly (string | number)[]): string {
  let out = '*' + args.length + '\r\n';
  for (const arg of args) {
    const text = typeof arg === 'string' ? arg : String(arg);
    out += '$' + Buffer.byteLength(text) + '\r\n' + text + '\r\n';
  }
  return out;
}

/**
 * @example
 * const lane = openFastLane({ host: '127.0.0.1', port: 6379, timeoutMs: 2_000 });
 * if (lane.ready) await lane.send(['HGET', 'h', 'f']);
 */
export function openFastLane(options: FastLaneOptions): FastLane {
  return new FastLane(options);
}

export class FastLane {
  /** Whether commands can be sent now (connected and, where needed, authenticated). */
  ready = false;
  private socket: Socket | undefined;
  private readonly pending: Pending[] = [];
  private head = 0;
  private out = '';
  private flushing = false;
  private parser: RedisParser | undefined;
  private closed = false;
  private attempts = 0;
  private readonly watchdog: NodeJS.Timeout;

  constructor(private readonly options: FastLaneOptions) {
    this.watchdog = setInterval(() => this.checkTimeouts(), Math.max(50, Math.min(500, options.timeoutMs / 4)));
    this.watchdog.unref();
    this.open();
  }

  /** Sends one command (only while `ready`); its reply, or a FastLaneError for an error reply. */
  send(args: readonly (string | number)[]): Promise<unknown> {
    return new Promise((resolve, reject) => this.write(encode(args), { resolve, reject, at: Date.now() }));
  }

  close(): void {
    this.closed = true;
    clearInterval(this.watchdog);
    this.socket?.destroy();
  }

  private write(command: string, pending: Pending): void {
    if (!this.ready || this.socket === undefined) {
      pending.reject(new FastLaneError('the fast lane is not connected'));
      return;
    }
    this.pending.push(pending);
    this.out += command;
    // The commands of one turn of the event loop leave in one write.
    if (!this.flushing) {
      this.flushing = true;
      setImmediate(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.flushing = false;
    const data = this.out;
    this.out = '';
    if (data !== '' && this.socket !== undefined && !this.socket.destroyed) this.socket.write(data);
  };

  private open(): void {
    if (this.closed) return;
    const socket = this.options.path !== undefined ? connect({ path: this.options.path }) : connect({ host: this.options.host ?? '127.0.0.1', port: this.options.port ?? 6379 });
    this.socket = socket;
    socket.setNoDelay(true);
    // A fresh parser a connection: nothing half-read from a lost one is carried over.
    const parser = new RedisParser({
      returnReply: (reply: unknown) => this.answer(socket, reply, undefined),
      returnError: (error: Error) => this.answer(socket, undefined, new FastLaneError(error.message)),
      returnFatalError: () => socket.destroy(new FastLaneError('Redis sent a reply that is not RESP')),
      returnBuffers: false,
      stringNumbers: false,
    });
    this.parser = parser;
    socket.on('data', (chunk: Buffer) => parser.execute(chunk));
    let cause = '';
    socket.on('error', (error: Error) => (cause = error.message)); // 'close' follows
    socket.on('close', () => this.lost(socket, cause));
    socket.on('connect', () => {
      const handshake: (string | number)[][] = [];
      if (this.options.password !== undefined && this.options.password !== '') {
        handshake.push(this.options.username !== undefined && this.options.username !== '' ? ['AUTH', this.options.username, this.options.password] : ['AUTH', this.options.password]);
      }
      if (this.options.db !== undefined && this.options.db !== 0) handshake.push(['SELECT', this.options.db]);
      if (handshake.length === 0) return this.becomeReady();
      let left = handshake.length;
      for (const args of handshake) {
        const done = () => {
          if (--left === 0) this.becomeReady();
        };
        this.pending.push({
          resolve: done,
          // A password in the URL of a Redis that has none: ioredis warns and goes on, so does the lane.
          reject: (error) => (args[0] === 'AUTH' && /without any password configured|no password is set/i.test(error.message) ? done() : socket.destroy(error)),
          at: Date.now(),
        });
        socket.write(encode(args));
      }
    });
  }

  private becomeReady(): void {
    this.attempts = 0;
    this.ready = true;
  }

  private lost(socket: Socket, cause: string): void {
    if (socket !== this.socket) return;
    this.ready = false;
    this.socket = undefined;
    this.out = '';
    this.parser = undefined;
    const failed = this.pending.splice(0);
    const from = this.head;
    this.head = 0;
    const error = new FastLaneError(`the connection to Redis was lost${cause === '' ? '' : ` (${cause})`}`);
    for (let i = from; i < failed.length; i++) failed[i]!.reject(error);
    if (this.closed) return;
    const delay = Math.min(50 * 2 ** Math.min(this.attempts++, 6), 1_000);
    setTimeout(() => this.open(), delay).unref();
  }

  /** One reply, to the oldest command waiting on `socket`. */
  private answer(socket: Socket, reply: unknown, error: FastLaneError | undefined): void {
    if (socket !== this.socket) return;
    const pending = this.pending[this.head++];
    if (pending === undefined) {
      socket.destroy(new FastLaneError('Redis sent a reply to no command'));
      return;
    }
    if (error !== undefined) pending.reject(error);
    else pending.resolve(reply);
    // Drop answered entries now and then (shifting each one would cost more).
    if (this.head > 1024 || this.head === this.pending.length) {
      this.pending.splice(0, this.head);
      this.head = 0;
    }
  }

  private checkTimeouts(): void {
    const oldest = this.pending[this.head];
    if (oldest !== undefined && Date.now() - oldest.at > this.options.timeoutMs) {
      this.socket?.destroy(new FastLaneError(`Redis did not answer within ${this.options.timeoutMs} ms`));
    }
  }
}
