import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import request from 'supertest';
import { afterAll, inject } from 'vitest';
import { createApp } from '../../server/app.js';
import type { Deps, ShopContext } from '../../server/context.js';
import { createDb, type Db } from '../../server/db/pool.js';
import type { UserRole } from '../../server/domain/roles.js';
import { createLogger } from '../../server/logger.js';
import { hashToken } from '../../server/http/bearer.js';
import { ChangeBus } from '../../server/events.js';
import { createServices, type Services } from '../../server/services.js';
import { ensureShop } from '../../server/shops/service.js';
import { initClock } from '../../server/outbox/clock.js';
import { outboxHead } from '../../server/outbox/queries.js';
import { insertUser } from '../../server/users/queries.js';
import { hashPin } from '../../server/users/pin.js';
import { newId } from '../../server/ids.js';
import { csrfToken } from '../../server/web/context.js';

export const PINS: Record<UserRole, string> = { cashier: '1111', pharmacist: '2222', manager: '3333', admin: '4444' };

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** This worker's cluster (test/support/global-setup.ts): files running at once never share one. */
export function adminUrlOfWorker(): string {
  const urls = inject('pgAdminUrls');
  return urls[(Number(process.env.VITEST_POOL_ID ?? '1') - 1) % urls.length]!;
}

/** A database of this test file's own, cloned from the migrated template. */
export async function freshDatabase(): Promise<{ url: string; name: string }> {
  const adminUrl = adminUrlOfWorker();
  const template = inject('pgTemplate');
  const name = `${template}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name} template ${template}`);
  } finally {
    await admin.end();
  }
  return { url: withDatabase(adminUrl, name), name };
}

/** Time that a test can move: `clock.set('2027-01-01T10:00:00Z')`. */
export function testClock(start = new Date()) {
  let current = start;
  return {
    now: () => current,
    set(iso: string | Date) {
      current = new Date(iso);
    },
  };
}

export interface TestShop {
  db: Db;
  url: string;
  deps: Deps;
  services: Services;
  shop: ShopContext;
  clock: ReturnType<typeof testClock>;
  app: ReturnType<typeof createApp>['app'];
  userIds: Record<UserRole, string>;
  /** A supertest agent logged in with that role's PIN. */
  as(role: UserRole): Promise<ReturnType<typeof request.agent>>;
  /** Row counts of every table a refusal must not touch. */
  counts(): Promise<Counts>;
  /** Ends its pool now (a test that makes many shops); otherwise after the file. */
  close(): Promise<void>;
}

const WRITTEN_TABLES = [
  'products', 'product_batches', 'stock_movements', 'sales', 'sale_items', 'sync_outbox', 'receipt_counters',
  'till_sessions', 'cash_movements', 'sale_returns', 'shop_counters',
] as const;
export type Counts = Record<(typeof WRITTEN_TABLES)[number] | 'lastReceiptNumber', number>;

export interface ShopOptions {
  code?: string;
  timezone?: string;
  poolSize?: number;
  now?: Date;
  hq?: { url: string; token: string };
  /** An existing database (a restored backup): no fresh clone, no new users. */
  url?: string;
}

export async function testShop(opts: ShopOptions = {}): Promise<TestShop> {
  const url = opts.url ?? (await freshDatabase()).url;
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const db = createDb({ connectionString: url, logger, max: opts.poolSize ?? 10 });
  const code = opts.code ?? 'DKR01';
  await initClock(db, code);
  const shop = await ensureShop(db, { code, name: 'Pharmacie du Test', timezone: opts.timezone ?? 'Africa/Dakar' });
  const clock = testClock(opts.now);
  const bus = new ChangeBus();
  const deps: Deps = { db, logger, shop, now: clock.now, bus, ...(opts.hq ? { hq: opts.hq } : {}) };
  const services = createServices(deps);
  const userIds = {} as Record<UserRole, string>;
  if (opts.url) {
    for (const u of await db.rows<{ id: string; role: UserRole }>('select id, role from users')) userIds[u.role] = u.id;
  } else {
    for (const role of Object.keys(PINS) as UserRole[]) {
      // Written straight to the table: the test's own people are scaffolding, not changes for head office (a person made
      // through the service travels up on the push, and would be in every test's outbox).
      userIds[role] = (await insertUser(db, { id: newId(), shopId: shop.id, name: `Test ${role}`, role, pinHash: await hashPin(PINS[role]) })).id;
    }
    // Nor people this shop made as the nightly digest counts them: it would resend them to every test's head office.
    await db.exec('update users set made_here = false where shop_id = $1', [shop.id]);
  }
  const { app } = createApp({ role: 'shop', db, logger, shop, now: clock.now, services });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await services.receipts.drain();
    await db.close();
  };
  afterAll(close);

  return {
    db, url, deps, services, shop, clock, app, userIds, close,
    async as(role) {
      const agent = request.agent(app);
      const res = await agent.post('/api/session').send({ pin: PINS[role] });
      if (res.status !== 200) throw new Error(`login as ${role} failed: ${res.status} ${JSON.stringify(res.body)}`);
      return agent;
    },
    async counts() {
      const out = {} as Counts;
      for (const t of WRITTEN_TABLES) {
        out[t] = (await db.one<{ n: number }>(`select count(*)::int as n from ${t}`))!.n;
      }
      const counter = await db.one<{ lastNumber: number }>('select last_number from receipt_counters where shop_id = $1', [shop.id]);
      out.lastReceiptNumber = counter?.lastNumber ?? 0;
      return out;
    },
  };
}

/** Fixtures written through the services, as a user would. */
export async function seedProduct(
  t: TestShop,
  p: { sku?: string; name?: string; unitPrice?: number; gtin?: string | null } = {},
) {
  const actor = { id: t.userIds.manager, name: 'Test manager', role: 'manager' as const };
  return t.services.catalog.createProduct(
    { sku: p.sku ?? `SKU-${randomBytes(4).toString('hex')}`, name: p.name ?? 'Paracétamol 500 mg', unitPrice: p.unitPrice ?? 1000, gtin: p.gtin ?? null },
    actor,
  );
}

export async function seedBatch(
  t: TestShop,
  b: { productId: string; lotNumber?: string; expirationDate: string; quantity: number; receivedDate?: string },
) {
  const actor = { id: t.userIds.manager, name: 'Test manager', role: 'manager' as const };
  return t.services.stock.receiveBatch(
    { productId: b.productId, lotNumber: b.lotNumber ?? `L${randomBytes(3).toString('hex')}`, expirationDate: b.expirationDate, quantity: b.quantity, unitCost: null, receivedDate: b.receivedDate },
    actor,
  );
}

export const managerActor = (t: TestShop) => ({ id: t.userIds.manager, name: 'Test manager', role: 'manager' as const });
export const cashierActor = (t: TestShop) => ({ id: t.userIds.cashier, name: 'Test cashier', role: 'cashier' as const });

export interface TestHq {
  db: Db;
  /** Its database's connection string (a second head-office process connects to it). */
  dbUrl: string;
  url: string;
  app: ReturnType<typeof createApp>['app'];
  clock: ReturnType<typeof testClock>;
  adminToken: string;
  /** supertest on the head-office app with the admin token. */
  admin(method: 'get' | 'post' | 'patch', path: string): request.Test;
  registerShop(code: string, timezone?: string): Promise<string>;
  listen(port?: number): Promise<number>;
  stop(): Promise<void>;
  /** Stops serving and ends its pool. */
  close(): Promise<void>;
  count(table: string): Promise<number>;
}

/** Head office on its own database, served over real HTTP so shops reach it with fetch. */
export async function testHq(opts: { now?: Date; poolSize?: number; url?: string } = {}): Promise<TestHq> {
  // `url`: an existing database (head office restored from a backup).
  const dbUrl = opts.url ?? (await freshDatabase()).url;
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const db = createDb({ connectionString: dbUrl, logger, max: opts.poolSize ?? 10 });
  await initClock(db, 'HQ');
  const clock = testClock(opts.now);
  const adminToken = 'test-admin-token-0123456789';
  const { app } = createApp({ role: 'hq', db, logger, now: clock.now, hqAdminTokenHash: hashToken(adminToken) });
  let server: Server | undefined;
  const hq: TestHq = {
    db, dbUrl, url: '', app, clock, adminToken,
    admin: (method, path) => request(app)[method](path).set('authorization', `Bearer ${adminToken}`),
    async registerShop(code, timezone = 'Africa/Dakar') {
      const res = await hq.admin('post', '/api/shops').send({ code, name: `Boutique ${code}`, timezone });
      if (res.status !== 201) throw new Error(`register ${code}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.token as string;
    },
    async listen(port = 0) {
      server = app.listen(port, '127.0.0.1');
      await new Promise<void>((resolve, reject) => {
        server!.once('listening', resolve);
        server!.once('error', reject);
      });
      const actual = (server.address() as AddressInfo).port;
      hq.url = `http://127.0.0.1:${actual}`;
      return actual;
    },
    async stop() {
      if (!server) return;
      server.closeAllConnections();
      await new Promise<void>((r) => server!.close(() => r()));
      server = undefined;
    },
    count: async (table) => (await db.one<{ n: number }>(`select count(*)::int as n from ${table}`))!.n,
    close: async () => undefined,
  };
  let closed = false;
  hq.close = async () => {
    await hq.stop();
    if (closed) return;
    closed = true;
    await db.close();
  };
  afterAll(() => hq.close());
  return hq;
}

/** A backup: a database copied as it is now (CREATE DATABASE … TEMPLATE, its connections cut for the copy). */
export async function copyOfDatabase(url: string): Promise<string> {
  const source = new URL(url).pathname.slice(1);
  const { url: target } = await freshDatabase();
  const name = new URL(target).pathname.slice(1);
  const admin = new pg.Client({ connectionString: url.replace(`/${source}`, '/postgres') });
  await admin.connect();
  try {
    await admin.query(`drop database ${name}`);
    await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()`, [source]);
    await admin.query(`create database ${name} template ${source}`);
  } finally {
    await admin.end();
  }
  return target;
}

/** What a shop's outbox would push right now, as the wire carries it. */
export async function pushBodyOf(shop: TestShop) {
  const rows = await outboxHead(shop.db, 5000);
  return {
    shopCode: shop.shop.code,
    hlc: rows.at(-1)!.hlc,
    changes: rows.map((r) => ({ seq: r.seq, entity: r.entity, id: r.entityId, op: r.op, hlc: r.hlc, tx: r.txId, data: r.payload })),
  };
}

/** A head-office staff member signed in on its pages: the cookie-keeping agent and the form token its pages carry. */
export async function staffBrowser(hq: Pick<TestHq, 'app'>, login: string, password: string): Promise<{ agent: ReturnType<typeof request.agent>; csrf: string }> {
  const agent = request.agent(hq.app);
  const res = await agent.post('/connexion').type('form').send({ login, password });
  if (res.status !== 303) throw new Error(`sign-in of ${login} answered ${res.status}`);
  const token = /comptoir_siege=([^;]+)/.exec(String(res.headers['set-cookie']))![1]!;
  return { agent, csrf: csrfToken(decodeURIComponent(token)) };
}
