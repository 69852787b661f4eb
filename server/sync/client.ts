import { gzipSync } from 'node:zlib';

/** Why a call to head office failed: unreachable (retry later) or refused (our request is wrong). */
export class HqError extends Error {
  constructor(
    readonly kind: 'unreachable' | 'refused',
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface HqClient {
  push(body: unknown): Promise<{ response: { acked: number[]; ackSeq: number | null; hlc: string; conflicts: number }; bytes: number }>;
  pull(cursor: string, limit: number): Promise<{ changes: PulledChange[]; cursor: string; hasMore: boolean; hlc: string }>;
}

export interface PulledChange {
  id: number;
  entity: 'product' | 'batch' | 'recall';
  entityId: string;
  hlc: string;
  data: Record<string, unknown>;
}

/** HTTP + JSON to head office; pushes are gzipped (3G links), every call has a deadline. */
export function hqClient(hq: { url: string; token: string }, timeoutMs = 30_000): HqClient {
  const base = hq.url.replace(/\/+$/, '');
  async function call<T>(path: string, init: RequestInit): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        ...init,
        headers: { ...init.headers, authorization: `Bearer ${hq.token}`, accept: 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      throw new HqError('unreachable', cause ?? (err as Error).message);
    }
    const text = await res.text();
    if (res.status >= 500) throw new HqError('unreachable', `HTTP ${res.status}`, res.status);
    if (!res.ok) {
      let message = text.slice(0, 300);
      try {
        message = (JSON.parse(text) as { error: { message: string } }).error.message;
      } catch {
        /* not our JSON */
      }
      throw new HqError('refused', message, res.status);
    }
    return JSON.parse(text) as T;
  }
  return {
    async push(body) {
      const gz = gzipSync(Buffer.from(JSON.stringify(body)));
      const response = await call<Awaited<ReturnType<HqClient['push']>>['response']>('/api/sync/push', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: gz,
      });
      return { response, bytes: gz.length };
    },
    pull: (cursor, limit) => call(`/api/sync/pull?since=${encodeURIComponent(cursor)}&limit=${limit}`, { method: 'GET' }),
  };
}
