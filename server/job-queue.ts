import type PgBoss from 'pg-boss';
import type { Tx } from './db/pool.js';

/**
 * Work that must survive a power cut after a commit (a receipt to print) is
 * a pg-boss job sent in that commit's own transaction. Services are built
 * before pg-boss starts, so they hold this port and the boot attaches pg-boss
 * to it; a script or a test without pg-boss leaves it detached, and callers
 * fall back to doing the work after the commit.
 */
export class JobQueue {
  private boss: PgBoss | undefined;

  attach(boss: PgBoss): void {
    this.boss = boss;
  }

  detach(): void {
    this.boss = undefined;
  }

  get attached(): boolean {
    return this.boss !== undefined;
  }

  /** Sends a job that exists if, and only if, the transaction commits. */
  async sendInTransaction(tx: Tx, queue: string, data: object): Promise<void> {
    if (!this.boss) throw new Error('job queue not attached');
    await this.boss.send(queue, data, { db: { executeSql: async (text, values) => ({ rows: await tx.rows(text, values) }) } });
  }
}

export const RECEIPT_PRINT_QUEUE = 'receipt-print';
