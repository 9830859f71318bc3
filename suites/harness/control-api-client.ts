// The suites' client of the mock's control API (present only when the profile names it).
export interface CreatedKey {
  readonly id: string;
  readonly key?: string;
  readonly accessKey?: string;
  readonly secret?: string;
}

export interface ControlApi {
  createKey(spec: { tier: string; scopes: readonly string[]; kind?: 'modern' | 'legacy'; expiresAt?: number; tlpClearance?: number; papClearance?: number; name?: string }): Promise<CreatedKey>;
  keyAction(id: string, action: 'revoke' | 'suspend' | 'reinstate'): Promise<void>;
  clock(): Promise<{ now: number; mode: 'real' | 'virtual'; timeScale: number }>;
  advance(ms: number): Promise<void>;
  reset(): Promise<void>;
}

export function createControlApi(url: string, token: string): ControlApi {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(url.replace(/\/+$/, '') + path, {
      method,
      headers: { 'X-Mock-Token': token, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      redirect: 'manual',
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`control API ${method} ${path}: ${res.status} ${text.slice(0, 200)}`);
    return text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
  };
  return {
    createKey: async (spec) => (await call('POST', '/keys', spec)) as unknown as CreatedKey,
    keyAction: async (id, action) => {
      await call('POST', `/keys/${encodeURIComponent(id)}/${action}`);
    },
    clock: async () => (await call('GET', '/clock')) as unknown as { now: number; mode: 'real' | 'virtual'; timeScale: number },
    advance: async (ms) => {
      await call('POST', '/clock/advance', { ms });
    },
    reset: async () => {
      await call('POST', '/reset');
    },
  };
}

