import http from 'node:http';
import https from 'node:https';
import { gunzip, gzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { DayDigest } from '../domain/digest.js';
import { bodyDeadlineMs, PROBE_TIMEOUT_MS, requestDeadlines } from '../domain/link.js';
import type { Logger } from '../logger.js';

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
  digest(body: { days: DayDigest[]; report?: { daysChecked: number; rowsResent: number; resent: Record<string, number> } }): Promise<{
    differing: string[];
    /** Per differing day, the entities that differ (a head office older than coverage sends none: every entity is resent). */
    entities?: { day: string; entities: string[] }[];
    checked: number;
  }>;
  snapshotPart(part: string, after: string | undefined, limit: number): Promise<{ rows: Record<string, unknown>[]; next: string | null }>;
  /** Head office answers at all (GET /healthz, a few hundred bytes, a short deadline): the link is back. */
  probe(): Promise<boolean>;
  /** Ends the kept-alive connections (a process that stops, a test). */
  close(): void;
}

/** One call as it went over the link: logged at debug, and what the link benchmark reads. */
export interface CallRecord {
  method: string;
  path: string;
  /** Body bytes as sent (gzipped) and as received (gzipped when head office compressed). */
  sentBytes: number;
  receivedBytes: number;
  ms: number;
  /** The deadline the answer had to begin within, and the body's. */
  answerMs: number;
  bodyMs: number | null;
  /** The request went over a connection kept alive from an earlier one. */
  reused: boolean;
  status: number | null;
  error?: string;
}

export interface SnapshotHead {
  shop: { code: string; name: string; timezone: string };
  cursor: string;
  hlc: string;
  lastReceipt: number;
  /** The highest purchase document numbers head office holds of this shop (absent from a head office older than purchasing). */
  purchaseNumbers?: { order: number; delivery: number; return: number };
  /** The chain's shops, where a transfer may go (older head offices send none). */
  chainShops?: { id: string; code: string; name: string }[];
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
  entity: 'product' | 'batch' | 'recall' | 'supplier' | 'product_supplier' | 'transfer' | 'transfer_receipt' | 'requisition' | 'shop' | 'staff' | 'customer_limit';
  entityId: string;
  hlc: string;
  data: Record<string, unknown>;
}


const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/**
 * zlib's level 6: a day of sales' changes shrinks 16.8 times (1 937 KB to
 * 118 KB in 30 ms here); level 9 gains another 11 % for 1.4 × the CPU, level 1
 * sends 19 % more (test/bench/link.bench.ts, docs/benchmarks.md). 6 is
 * zlib's default and what head office answers with.
 */
export const GZIP_LEVEL = 6;
/** An answer never inflates past this (a broken or hostile proxy's gzip bomb). */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;
/**
 * Idle kept-alive connections are closed after this: under head office's own
 * keep-alive (65 s, server/http/server-settings.ts), so the shop never sends
 * on a connection head office is closing, and over the minute between two
 * pushes, so a push rarely pays the TCP and TLS handshakes (three round trips).
 */
export const KEEP_ALIVE_MS = 62_000;

/** A request body as the wire carries it. */
export const gzipJson = (body: unknown): Promise<Buffer> => gzipAsync(Buffer.from(JSON.stringify(body)), { level: GZIP_LEVEL });

interface Answer {
  status: number;
  body: Buffer;
  gzipped: boolean;
  reused: boolean;
  bodyMs: number;
}

class CallFailed extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    /** Failed before any byte of an answer, on a connection kept from an earlier call: head office had closed it. */
    readonly staleConnection: boolean,
  ) {
    super(message);
  }
}

/**
 * HTTP + JSON to head office over a shop's link (3G: slow, far, dropping).
 * Request bodies are gzipped and answers accepted gzipped; connections are
 * kept alive between calls; every call has deadlines that grow with what it
 * carries (domain/link.ts) instead of one fixed timeout.
 * `serverMs` is head office's own time for this client's calls (a digest of
 * 30 days takes longer than a push).
 */
export function hqClient(hq: { url: string; token: string }, serverMs?: number, opts: { logger?: Logger } = {}): HqClient {
  const base = hq.url.replace(/\/+$/, '');
  const transport = base.startsWith('https:') ? https : http;
  const agent = new transport.Agent({ keepAlive: true, maxSockets: 2, timeout: KEEP_ALIVE_MS });
  const log = opts.logger;

  function exchange(method: string, path: string, body: Buffer | undefined, headers: Record<string, string>, answerMs: number, idleMs: number): Promise<Answer> {
    return new Promise((resolve, reject) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      let idle: NodeJS.Timeout | undefined;
      let answered = false;
      const req = transport.request(`${base}${path}`, {
        method, agent,
        headers: {
          ...headers, authorization: `Bearer ${hq.token}`, accept: 'application/json', 'accept-encoding': 'gzip',
          ...(body ? { 'content-length': String(body.length) } : {}),
        },
      });
      const done = (err: Error | undefined, answer?: Answer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearTimeout(idle);
        if (err) {
          const code = (err as { code?: string }).code;
          reject(new CallFailed(err.message, code, !answered && req.reusedSocket && code !== 'ETIMEDOUT'));
        } else resolve(answer!);
      };
      const fail = (message: string) => req.destroy(Object.assign(new Error(message), { code: 'ETIMEDOUT' }));
      timer = setTimeout(() => fail(`no answer within ${answerMs} ms`), answerMs);
      req.once('response', (res) => {
        answered = true;
        clearTimeout(timer);
        const length = Number(res.headers['content-length']);
        const bodyMs = bodyDeadlineMs(Number.isFinite(length) ? length : undefined);
        timer = setTimeout(() => fail(`answer not received within ${bodyMs} ms`), bodyMs);
        const poke = () => {
          clearTimeout(idle);
          idle = setTimeout(() => fail(`answer stalled for ${idleMs} ms`), idleMs);
        };
        poke();
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          poke();
          chunks.push(c);
        });
        res.once('end', () =>
          done(undefined, { status: res.statusCode ?? 0, body: Buffer.concat(chunks), gzipped: res.headers['content-encoding'] === 'gzip', reused: req.reusedSocket, bodyMs }),
        );
        res.once('error', (err) => done(err));
        res.once('aborted', () => done(Object.assign(new Error('answer cut'), { code: 'ECONNRESET' })));
      });
      req.once('error', (err) => done(err));
      req.end(body);
    });
  }

  async function call<T>(method: 'GET' | 'POST', path: string, body?: Buffer): Promise<T> {
    const deadlines = requestDeadlines(body?.length ?? 0, serverMs);
    const headers: Record<string, string> = body ? { 'content-type': 'application/json', 'content-encoding': 'gzip' } : {};
    const started = performance.now();
    const record: CallRecord = { method, path: path.split('?')[0]!, sentBytes: body?.length ?? 0, receivedBytes: 0, ms: 0, answerMs: deadlines.answerMs, bodyMs: null, reused: false, status: null };
    let answer: Answer;
    try {
      try {
        answer = await exchange(method, path, body, headers, deadlines.answerMs, deadlines.idleMs);
      } catch (err) {
        // Head office closed a kept-alive connection as this call went out: the call never reached it, so once more on a new one.
        if (!(err instanceof CallFailed && err.staleConnection)) throw err;
        answer = await exchange(method, path, body, headers, deadlines.answerMs, deadlines.idleMs);
      }
    } catch (err) {
      const e = err as CallFailed;
      log?.debug({ ...record, ms: Math.round(performance.now() - started), error: e.code ?? e.message }, 'head office call');
      throw new HqError('unreachable', e.code === 'ETIMEDOUT' ? `${e.code} (${e.message})` : (e.code ?? e.message));
    }
    Object.assign(record, { receivedBytes: answer.body.length, ms: Math.round(performance.now() - started), bodyMs: answer.bodyMs, reused: answer.reused, status: answer.status });
    log?.debug(record, 'head office call');
    const text = (answer.gzipped ? await gunzipAsync(answer.body, { maxOutputLength: MAX_ANSWER_BYTES }) : answer.body).toString('utf8');
    if (answer.status >= 500) throw new HqError('unreachable', `HTTP ${answer.status}`, answer.status);
    if (answer.status < 200 || answer.status >= 300) {
      let message = text.slice(0, 300);
      try {
        message = (JSON.parse(text) as { error: { message: string } }).error.message;
      } catch {
        /* not our JSON */
      }
      throw new HqError('refused', message, answer.status);
    }
    return JSON.parse(text) as T;
  }

  return {
    async push(body) {
      const gz = Buffer.isBuffer(body) ? body : await gzipJson(body);
      const response = await call<PushAnswer>('POST', '/api/sync/push', gz);
      return { response, bytes: gz.length };
    },
    pull: (cursor, limit) => call('GET', `/api/sync/pull?since=${encodeURIComponent(cursor)}&limit=${limit}`),
    snapshotHead: () => call('GET', '/api/sync/snapshot'),
    digest: async (body) => call('POST', '/api/sync/digest', await gzipJson(body)),
    snapshotPart: (part, after, limit) => call('GET', `/api/sync/snapshot/${part}?limit=${limit}${after ? `&after=${encodeURIComponent(after)}` : ''}`),
    async probe() {
      try {
        const answer = await exchange('GET', '/healthz', undefined, {}, PROBE_TIMEOUT_MS, PROBE_TIMEOUT_MS);
        return answer.status === 200;
      } catch {
        return false;
      }
    },
    close: () => agent.destroy(),
  };
}
