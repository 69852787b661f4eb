/**
 * What a shop sends head office, made ahead of time for the head office
 * benchmarks (bench:ingest, bench:hq-open-loop): a shop's ledger of changes
 * (its lots with their receipts, its cash session, sales of lines with their
 * `sale` movements, cash movements), cut as the shop's sync client cuts it
 * and gzipped as it sends it; and a head office server in its own process to
 * push them to. Built before a run so the load tool spends no CPU on it.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { OutboxRow } from '../../server/outbox/queries.js';
import { nextPushBatch } from '../../server/sync/service.js';
import { freePort, startServer, tempDataDir, waitHealthy } from '../support/process.js';

export type Change = { seq: number; entity: string; id: string; op: 'insert'; hlc: string; tx: string; data: Record<string, unknown> };
export interface Lot { id: string; productId: string; k: number }

/** A clock of this shop at wall time `wall` (ms), counter `n`. */
export const clock = (code: string, wall: number, n: number) => `${String(wall).padStart(15, '0')}:${String(n).padStart(6, '0')}:${code}`;

/**
 * One shop's changes in the order its outbox holds them: one sequence, one
 * local transaction a sale. `rows` keeps the sales, lines and movements as
 * COPY would write them (bench:ingest's floor).
 */
export class ShopLedger {
  private seq = 0;
  private tx = 1;
  private sales = 0;
  lots: Lot[] = [];
  sessionId = randomUUID();
  readonly rows = { sales: [] as unknown[][], items: [] as unknown[][], movements: [] as unknown[][] };

  constructor(readonly code: string, readonly shopId: string) {}

  /** The shop's lots (one a product, 100 000 units received) and its open cash session, at wall time `at`. */
  open(at: number, productIds: readonly string[], unitCost: number | null = null): Change[] {
    const changes: Change[] = [];
    const { code, shopId } = this;
    this.lots = productIds.map((productId, k) => ({ id: randomUUID(), productId, k }));
    for (const l of this.lots) {
      const hlc = clock(code, at, l.k);
      changes.push({ seq: ++this.seq, entity: 'batch', id: l.id, op: 'insert', hlc, tx: String(this.tx), data: {
        id: l.id, shopId, productId: l.productId, lotNumber: `${code}-L${l.k}`, expirationDate: '2029-12-31', initialQty: 100_000,
        unitCost, receivedDate: '2026-11-26', status: 'active', statusReason: null, createdAt: new Date(at).toISOString(),
      } });
      const m = randomUUID();
      changes.push({ seq: ++this.seq, entity: 'movement', id: m, op: 'insert', hlc, tx: String(this.tx), data: {
        id: m, shopId, batchId: l.id, kind: 'receipt', delta: 100_000, countedQty: null, reason: null, saleItemId: null, userId: null, hlc,
        createdAt: new Date(at).toISOString(),
      } });
    }
    // The day's cash session: every sale names it, as a shop's do.
    changes.push({ seq: ++this.seq, entity: 'till_session', id: this.sessionId, op: 'insert', hlc: clock(code, at, 9), tx: String(++this.tx), data: {
      id: this.sessionId, shopId, terminal: 'Caisse 1', cashierId: shopId, cashierName: 'Caisse', openedAt: new Date(at).toISOString(), openingFloat: 0, openingCounts: null,
    } });
    return changes;
  }

  /** A cash sale at wall time `at` of one unit from each of `lots` at 10,00, each line with its `sale` movement. */
  sale(at: number, lots: readonly Lot[] = this.lots): Change[] {
    const changes: Change[] = [];
    const { code, shopId } = this;
    this.tx += 1;
    const tx = String(this.tx);
    const hlc = clock(code, at, 0);
    const createdAt = new Date(at).toISOString();
    const saleId = randomUUID();
    const total = 1000 * lots.length;
    const sale = {
      id: saleId, shopId, number: `${code}-${String(++this.sales).padStart(6, '0')}`, cashierId: shopId, cashierName: 'Caisse', total, tendered: total,
      change: 0, paymentMethod: 'cash', status: 'completed', voidedAt: null, voidedBy: null, createdAt, sessionId: this.sessionId, subtotal: total,
      discount: 0, discountLabel: null, discountApprovedBy: null, rounding: 0, payments: [{ method: 'cash', amount: total }],
    };
    changes.push({ seq: ++this.seq, entity: 'sale', id: saleId, op: 'insert', hlc, tx, data: sale });
    this.rows.sales.push([saleId, shopId, sale.number, shopId, 'Caisse', total, total, 0, 'cash', hlc, createdAt, total, JSON.stringify(sale.payments), this.sessionId]);
    for (const [i, l] of lots.entries()) {
      const itemId = randomUUID();
      changes.push({ seq: ++this.seq, entity: 'sale_item', id: itemId, op: 'insert', hlc, tx, data: {
        id: itemId, saleId, lineNo: i + 1, productId: l.productId, batchId: l.id, productName: `Produit ${l.k}`, lotNumber: `${code}-L${l.k}`,
        expirationDate: '2029-12-31', quantity: 1, unitPrice: 1000, lineTotal: 1000, discount: 0, discountLabel: null,
      } });
      this.rows.items.push([itemId, saleId, i + 1, l.productId, l.id, `Produit ${l.k}`, `${code}-L${l.k}`, '2029-12-31', 1, 1000, 1000]);
      const m = randomUUID();
      changes.push({ seq: ++this.seq, entity: 'movement', id: m, op: 'insert', hlc, tx, data: {
        id: m, shopId, batchId: l.id, kind: 'sale', delta: -1, countedQty: null, reason: null, saleItemId: itemId, userId: shopId, hlc, createdAt,
      } });
      this.rows.movements.push([m, shopId, l.id, 'sale', -1, itemId, shopId, hlc, createdAt]);
    }
    return changes;
  }

  /** Cash taken out of the drawer at wall time `at` (a supplier paid in cash), in the open session. */
  cashOut(at: number, amount: number, reason: string): Change[] {
    this.tx += 1;
    const id = randomUUID();
    return [{ seq: ++this.seq, entity: 'cash_movement', id, op: 'insert', hlc: clock(this.code, at, 0), tx: String(this.tx), data: {
      id, shopId: this.shopId, sessionId: this.sessionId, kind: 'out', amount, reason, userId: this.shopId, userName: 'Caisse',
      createdAt: new Date(at).toISOString(), approvedBy: null, approvedByName: null, expenseId: null,
    } }];
  }
}

/** Cut as the shop's client cuts: whole transactions, within its count and size limits. */
export function cutPushes(changes: readonly Change[]): Change[][] {
  const pushes: Change[][] = [];
  let rest = changes.map((c) => ({ ...c, txId: c.tx, payload: c.data }) as unknown as OutboxRow & Change);
  while (rest.length > 0) {
    const next = nextPushBatch(rest) as unknown as (OutboxRow & Change)[];
    pushes.push(next.map(({ txId: _t, payload: _p, ...c }) => c as Change));
    rest = rest.slice(next.length);
  }
  return pushes;
}

/** A push's body as the shop sends it: the envelope, gzipped. */
export const gzippedPush = (code: string, changes: readonly Change[]) =>
  gzipSync(Buffer.from(JSON.stringify({ shopCode: code, hlc: changes.at(-1)!.hlc, changes })));

/** Head office in its own process on `url`'s database, with what a benchmark asks of it over HTTP. */
export async function startHeadOffice(url: string, name: string) {
  const adminToken = 'bench-admin-token-0123456789abcdef';
  const port = await freePort();
  const dataDir = tempDataDir(`comptoir-bench-${name}-`);
  const hq = startServer({ DATABASE_URL: url, PORT: String(port), COMPTOIR_HQ_ADMIN_TOKEN: adminToken, DATA_DIR: dataDir, LOG_LEVEL: process.env.BENCH_LOG ?? 'error' }, ['--hq']);
  await waitHealthy(port, hq, 60_000);
  const base = `http://127.0.0.1:${port}`;
  const admin = (path: string, body: unknown) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return {
    base,
    process: hq,
    /** What head office printed, its 200s left out: for a failure's message. */
    said: () => hq.output().split('\n').filter((l) => !l.includes('"status":200')).join('\n').slice(-4000),
    async product(sku: string, name: string, unitPrice: number): Promise<string> {
      return ((await (await admin('/api/products', { sku, name, unitPrice })).json()) as { id: string }).id;
    },
    async register(code: string): Promise<string> {
      return ((await (await admin('/api/shops', { code, name: `Boutique ${code}`, timezone: 'Africa/Dakar' })).json()) as { token: string }).token;
    },
    /** One push, answered and read: how it went. */
    async push(token: string, body: Buffer): Promise<{ ok: boolean; refused: number }> {
      const res = await fetch(`${base}/api/sync/push`, {
        method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: new Uint8Array(body),
      });
      const answer = (await res.json()) as { refused?: unknown[] };
      return { ok: res.ok, refused: answer.refused?.length ?? 0 };
    },
    async stop() {
      hq.child.kill('SIGTERM');
      await hq.exited;
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
