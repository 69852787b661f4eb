import type { Queryable } from '../db/pool.js';

export interface ReceiptPrint {
  id: string;
  saleId: string;
  userId: string | null;
  channel: 'pdf' | 'escpos' | 'cups';
  status: 'done' | 'failed';
  error: string | null;
  createdAt: Date;
}

export async function recordPrint(db: Queryable, p: Omit<ReceiptPrint, 'createdAt'>): Promise<void> {
  await db.exec(
    'insert into receipt_prints (id, sale_id, user_id, channel, status, error) values ($1, $2, $3, $4, $5, $6)',
    [p.id, p.saleId, p.userId, p.channel, p.status, p.error],
  );
}

/** Prints that reached the customer or a printer: the next one is a DUPLICATA. */
export async function successfulPrints(db: Queryable, saleId: string): Promise<number> {
  return (await db.one<{ n: number }>(`select count(*)::int as n from receipt_prints where sale_id = $1 and status = 'done'`, [saleId]))!.n;
}

export async function printsOfSale(db: Queryable, saleId: string): Promise<ReceiptPrint[]> {
  return db.rows<ReceiptPrint>(
    'select id, sale_id, user_id, channel, status, error, created_at from receipt_prints where sale_id = $1 order by created_at, id',
    [saleId],
  );
}
