import { gzipSync } from 'node:zlib';
import type { DayDigest } from '../domain/digest.js';

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
  push(body: unknown): Promise<{ response: PushAnswer; bytes: number }>;
  pull(cursor: string, limit: number): Promise<PullAnswer>;
  snapshotHead(): Promise<SnapshotHead>;
  digest(body: { days: DayDigest[]; report?: { daysChecked: number; rowsResent: number } }): Promise<{ differing: string[]; checked: number }>;
  snapshotPart(part: string, after: string | undefined, limit: number): Promise<{ rows: Record<string, unknown>[]; next: string | null }>;
}

export interface SnapshotHead {
  shop: { code: string; name: string; timezone: string };
  cursor: string;
  hlc: string;
  lastReceipt: number;
}

export interface PushAnswer {
  acked: number[];
  ackSeq: number | null;
  /** Changes head office refused, each with its reason: set aside, not retried by themselves. */
  refused?: { seq: number; code: string; message: string }[];
  hlc: string;
  conflicts: number;
  /** The newest receipt number of this shop that head office holds. */
  lastReceipt?: number;
}

export interface PullAnswer {
  changes: PulledChange[];
  cursor: string;
  hasMore: boolean;
  restarted?: boolean;
  hlc: string;
  lastReceipt?: number;
}

export interface PulledChange {
  id: number;
  entity: 'product' | 'batch' | 'recall' | 'supplier' | 'product_supplier';
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
      const response = await call<PushAnswer>('/api/sync/push', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: gz,
      });
      return { response, bytes: gz.length };
    },
    pull: (cursor, limit) => call(`/api/sync/pull?since=${encodeURIComponent(cursor)}&limit=${limit}`, { method: 'GET' }),
    snapshotHead: () => call('/api/sync/snapshot', { method: 'GET' }),
    digest: (body) =>
      call('/api/sync/digest', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: gzipSync(Buffer.from(JSON.stringify(body))),
      }),
    snapshotPart: (part, after, limit) =>
      call(`/api/sync/snapshot/${part}?limit=${limit}${after ? `&after=${encodeURIComponent(after)}` : ''}`, { method: 'GET' }),
  };
}
