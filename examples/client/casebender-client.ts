// A small CaseBender API client, the way a client developer would write one: Bearer auth,
// problem+json errors as exceptions, and retries on 429 that wait what Retry-After says.
// Its tests (casebender-client.test.ts) run it against the mock's MSW handlers, no server.

export interface ClientOptions {
  /** e.g. https://casebender.example.com/api/v1 */
  readonly baseUrl: string;
  readonly apiKey: string;
  /** Retries after a 429 before giving up (default 3). */
  readonly maxRetries?: number;
  /** Waits `ms`; tests pass one that moves a virtual clock instead of sleeping. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly fetch?: typeof fetch;
}

/** An error answer of the API (RFC 9457 problem+json). */
export class CaseBenderError extends Error {
  override readonly name = 'CaseBenderError';
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    readonly detail: string | undefined,
    readonly headers: Headers,
  ) {
    super(`CaseBender answered ${status}${code !== undefined ? ` ${code}` : ''}${detail !== undefined ? `: ${detail}` : ''}`);
  }
}

export interface Alert {
  readonly id: string;
  readonly title: string;
  readonly [field: string]: unknown;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class CaseBenderClient {
  readonly #options: Required<ClientOptions>;

  constructor(options: ClientOptions) {
    this.#options = { maxRetries: 3, sleep: realSleep, fetch: globalThis.fetch.bind(globalThis), ...options };
  }

  async listAlerts(): Promise<Alert[]> {
    const body = (await this.#request('GET', '/alerts')) as { data: Alert[] };
    return body.data;
  }

  async getAlert(id: string): Promise<Alert> {
    return (await this.#request('GET', `/alerts/${encodeURIComponent(id)}`)) as Alert;
  }

  async #request(method: string, path: string): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      const response = await this.#options.fetch(`${this.#options.baseUrl}${path}`, {
        method,
        headers: { Authorization: `Bearer ${this.#options.apiKey}`, Accept: 'application/json' },
      });
      if (response.ok) return response.json();
      if (response.status === 429 && attempt < this.#options.maxRetries) {
        await this.#options.sleep(retryAfterMs(response.headers));
        continue;
      }
      const problem = (await response.json().catch(() => ({}))) as { code?: string; detail?: string };
      throw new CaseBenderError(response.status, problem.code, problem.detail, response.headers);
    }
  }
}

/** Retry-After in milliseconds: delay-seconds or an HTTP date; one second when absent or unreadable. */
export function retryAfterMs(headers: Headers, now = Date.now()): number {
  const value = headers.get('retry-after');
  if (value === null) return 1_000;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1_000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? 1_000 : Math.max(0, at - now);
}
