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

/** An alert as CaseBender documents it (the fields a client reads most; the answer has more). */
export interface Alert {
  readonly id: string;
  readonly tinyId: number;
  readonly title: string;
  readonly statusValue: string;
  readonly status: { readonly id: string; readonly stage: string; readonly label: string; readonly value: string; readonly [field: string]: unknown };
  readonly severity: number;
  readonly tlp: number;
  readonly pap: number;
  readonly createdAt: string;
  readonly deletedAt: string | null;
  readonly case: { readonly id: string; readonly tinyId: number; readonly title: string } | null;
  readonly [field: string]: unknown;
}

/** Create Alert's body (CaseBender's AlertInput): title, statusValue and severity (1..4) are required. */
export interface AlertInput {
  readonly title: string;
  readonly statusValue: string;
  readonly severity: 1 | 2 | 3 | 4;
  readonly description?: string;
  readonly type?: string;
  readonly source?: string;
  readonly sourceRef?: string;
  readonly externalLink?: string;
  readonly tlp?: number;
  readonly pap?: number;
  readonly tags?: readonly { readonly id: number }[];
  readonly customFields?: Readonly<Record<string, unknown>>;
  readonly [field: string]: unknown;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class CaseBenderClient {
  readonly #options: Required<ClientOptions>;

  constructor(options: ClientOptions) {
    this.#options = { maxRetries: 3, sleep: realSleep, fetch: globalThis.fetch.bind(globalThis), ...options };
  }

  /** GET /alerts: every alert the key may see, newest first, as one array; `status` keeps one status (its value or stage). */
  async listAlerts(options: { readonly status?: string } = {}): Promise<Alert[]> {
    const query = options.status !== undefined ? `?status=${encodeURIComponent(options.status)}` : '';
    return (await this.#request('GET', `/alerts${query}`)) as Alert[];
  }

  async getAlert(id: string): Promise<Alert> {
    return (await this.#request('GET', `/alerts/${encodeURIComponent(id)}`)) as Alert;
  }

  /** POST /alerts: answers 200 with the new alert. */
  async createAlert(input: AlertInput): Promise<Alert> {
    return (await this.#request('POST', '/alerts', input)) as Alert;
  }

  async #request(method: string, path: string, body?: unknown): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      const response = await this.#options.fetch(`${this.#options.baseUrl}${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${this.#options.apiKey}`,
          Accept: 'application/json',
          ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
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
