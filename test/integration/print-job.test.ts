import net from 'node:net';
import PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJobs } from '../../jobs/index.js';
import { JobQueue, RECEIPT_PRINT_QUEUE } from '../../server/job-queue.js';
import { createLogger } from '../../server/logger.js';
import { createServices, type Services } from '../../server/services.js';
import { cashierActor, seedBatch, seedProduct, testShop, type TestShop } from '../support/harness.js';

let t: TestShop;
let services: Services;
let productId: string;
const queue = new JobQueue();
const logger = createLogger('silent');
const received: Buffer[] = [];
let printer: net.Server;

beforeAll(async () => {
  t = await testShop({ code: 'PRT01' });
  // The shop's services as the server builds them: with the job queue pg-boss is attached to.
  services = createServices({ ...t.deps, jobs: queue });
  const p = await seedProduct(t, { name: 'Spasfon', unitPrice: 2100 });
  productId = p.id;
  await seedBatch(t, { productId, lotNumber: 'SP-1', expirationDate: '2030-01-31', quantity: 10 });
  printer = net.createServer((socket) => socket.on('data', (d) => received.push(d)));
  await new Promise<void>((r) => printer.listen(0, '127.0.0.1', r));
  await services.settings.update({ printerKind: 'escpos', printerTarget: `tcp://127.0.0.1:${(printer.address() as net.AddressInfo).port}` });
});

afterAll(async () => {
  printer.close();
});

const jobsIn = async () => (await t.db.one<{ n: number }>(`select count(*)::int as n from pgboss.job where name = $1`, [RECEIPT_PRINT_QUEUE]))!.n;

async function sell(quantity: number) {
  const actor = cashierActor(t);
  return services.sales.recordSale({ lines: [{ productId, quantity }], payment: { method: 'card' } }, actor, {
    alsoInTransaction: async (tx, sale) => {
      expect(await services.receipts.queuePrint(tx, sale, actor)).toBe(true);
    },
  });
}

describe('printing after a sale', () => {
  it('is a job sent in the sale’s transaction: a power cut before it runs still prints at the next start', async () => {
    // The queue exists (created by a first start), then the server runs without its print worker: the sale commits, the power goes.
    const first = await startJobs(t.url, logger, {});
    await first.boss.createQueue(RECEIPT_PRINT_QUEUE, { name: RECEIPT_PRINT_QUEUE, policy: 'standard', retryLimit: 0 });
    queue.attach(first.boss);
    const sale = await sell(1);
    await first.stop();
    queue.detach();
    expect(await jobsIn()).toBe(1);
    expect(received).toHaveLength(0);
    expect(await t.db.one('select count(*)::int as n from receipt_prints where sale_id = $1', [sale.id])).toEqual({ n: 0 });

    // The next start: the worker finds the job the sale left, and prints.
    const next = await startJobs(t.url, logger, { receipts: services.receipts });
    try {
      await expect.poll(async () => (await t.db.rows<{ status: string }>('select status from receipt_prints where sale_id = $1', [sale.id])).map((r) => r.status), { timeout: 15_000 })
        .toEqual(['done']);
      // The job is done once its bytes are written to the socket; the printer's side may read them a moment later.
      await expect.poll(() => Buffer.concat(received).toString('latin1'), { timeout: 5_000 }).toContain(sale.number);
    } finally {
      await next.stop();
    }
  });

  it('leaves no job behind a sale that was refused', async () => {
    const boss = new PgBoss({ connectionString: t.url, schema: 'pgboss' });
    await boss.start();
    queue.attach(boss);
    try {
      const before = await jobsIn();
      await expect(sell(1000)).rejects.toMatchObject({ code: 'insufficient_stock' });
      expect(await jobsIn()).toBe(before);
    } finally {
      await boss.stop({ graceful: false });
      queue.detach();
    }
  });
});
