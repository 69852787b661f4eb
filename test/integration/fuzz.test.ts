import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { csrfToken } from '../../server/web/context.js';
import { cashierActor, PINS, seedBatch, seedProduct, testShop, type TestShop } from '../support/harness.js';

/*
 * Generated bodies, ids, query strings and form fields thrown at every route
 * of the JSON API and every page form, as an attacker or a clumsy client
 * would: never a 5xx, JSON from the API and HTML from the pages, and a refusal
 * writes nothing.
 */

let t: TestShop;
let agent: ReturnType<typeof request.agent>;
let csrf = '';
const ids: Record<'product' | 'batch' | 'sale', string> = { product: '', batch: '', sale: '' };

beforeAll(async () => {
  t = await testShop({ code: 'FUZ01' });
  const p = await seedProduct(t, { name: 'Produit fuzz', unitPrice: 100 });
  const b = await seedBatch(t, { productId: p.id, expirationDate: '2030-01-31', quantity: 1_000_000 });
  const s = await t.services.sales.recordSale({ lines: [{ productId: p.id, quantity: 1 }], payment: { method: 'card' } }, cashierActor(t));
  Object.assign(ids, { product: p.id, batch: b.id, sale: s.id });
  agent = request.agent(t.app);
  const login = await agent.post('/api/session').send({ pin: PINS.manager });
  const token = /comptoir_session=([^;]+)/.exec(login.headers['set-cookie']![0]!)![1]!;
  csrf = csrfToken(decodeURIComponent(token));
});

const API: [string, string, string[]][] = [
  ['post', '/api/products', ['sku', 'gtin', 'name', 'unitPrice']],
  ['get', '/api/products', []],
  ['get', '/api/products/:id', []],
  ['patch', '/api/products/:id', ['name', 'unitPrice', 'active']],
  ['get', '/api/products/:id/batches', []],
  ['post', '/api/batches', ['productId', 'lotNumber', 'expirationDate', 'quantity', 'unitCost', 'receivedDate']],
  ['get', '/api/batches/:id', []],
  ['patch', '/api/batches/:id', ['expirationDate', 'unitCost', 'status', 'statusReason']],
  ['post', '/api/batches/:id/movements', ['kind', 'delta', 'countedQty', 'reason']],
  ['post', '/api/sales', ['lines', 'payment']],
  ['get', '/api/sales', []],
  ['get', '/api/sales/:id', []],
  ['post', '/api/sales/:id/void', []],
  ['get', '/api/sales/:id/receipt.pdf', []],
  ['post', '/api/sales/:id/print', []],
  ['get', '/api/sales/:id/prints', []],
  ['get', '/api/settings', []],
  ['patch', '/api/settings', ['name', 'address', 'phone', 'taxId', 'receiptFooter', 'receiptWidthMm', 'printerKind', 'printerTarget', 'returnApprovalOver', 'returnApprovalAfterDays', 'cashOutApprovalOver']],
  ['get', '/api/users', []],
  ['post', '/api/users', ['name', 'role', 'pin']],
  ['get', '/api/session', []],
  ['get', '/api/sync/status', []],
  ['post', '/api/sync/run', []],
  ['get', '/api/conflicts', []],
  ['get', '/api/sync/refused', []],
  ['post', '/api/sync/refused/retry', ['seqs']],
  ['post', '/api/sync/refused/discard', ['seqs']],
];

const PAGES: [string, string, string[]][] = [
  ['get', '/caisse', []],
  ['get', '/caisse/recherche', []],
  ['post', '/caisse/scan', ['code']],
  ['get', '/caisse/panier', []],
  ['post', '/caisse/panier', ['productId', 'quantity', 'batchId']],
  ['post', '/caisse/panier/:id', ['quantity']],
  ['post', '/caisse/panier/:id/supprimer', []],
  ['post', '/caisse/vider', []],
  ['post', '/caisse/payer', ['method', 'tendered']],
  ['get', '/ventes', []],
  ['post', '/ventes/:id/annuler', []],
  ['get', '/stock', []],
  ['post', '/stock/reception/ligne', ['product', 'lotNumber', 'expirationDate', 'quantity']],
  ['post', '/stock/reception', ['product', 'lotNumber', 'expirationDate', 'quantity', 'unitCost', 'receivedDate']],
  ['post', '/stock/lots/:id/mouvement', ['kind', 'delta', 'countedQty', 'reason']],
  ['get', '/produits', []],
  ['post', '/produits', ['sku', 'gtin', 'name', 'unitPrice']],
  ['post', '/produits/:id', ['unitPrice']],
  ['get', '/tableau-de-bord', []],
  ['get', '/parametres', []],
  ['post', '/parametres/boutique', ['name', 'address', 'phone', 'taxId', 'receiptFooter', 'receiptWidthMm', 'printerKind', 'printerTarget', 'returnApprovalOver', 'returnApprovalAfterDays', 'cashOutApprovalOver']],
  ['post', '/parametres/utilisateurs', ['name', 'role', 'pin']],
  ['post', '/parametres/utilisateurs/:id/pin', ['pin']],
  ['post', '/parametres/actualiser', []],
  ['post', '/parametres/synchroniser', []],
];

const nasty = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('\u0000', 'a\u0000b', '\ud800', 'x\udfff', '%ZZ', '%00', '%', '../../etc/passwd', '<script>', "' or 1=1 --", '1e309', 'NaN', '-0', ' ', 'é'.repeat(300)),
  fc.constantFrom('x'.repeat(70_000)),
);
const scalar = fc.oneof(
  nasty,
  fc.integer(),
  fc.double(),
  fc.constantFrom(2 ** 31, 2 ** 53 + 1, -1, 0, 1e308, -1e308, Number.MAX_SAFE_INTEGER),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('2026-02-30', '2026-13-01', '0000-00-00', '99999-01-01', 'cash', 'card', 'mobile_money', 'count', 'adjustment', 'active', 'recalled', 'manager', 'escpos', 'cups', '58', '80'),
);
const idLike = fc.oneof(
  fc.constantFrom('product', 'batch', 'sale').map((k) => ids[k as keyof typeof ids]),
  fc.uuid(),
  fc.constantFrom('xyz', '%ZZ', '%00', '%E0%A4%A', '00000000-0000-0000-0000-000000000000', '1', 'a'.repeat(500), '%2e%2e%2f', 'é', '%F0%9F%98%80'),
);
const value = fc.oneof(
  { weight: 5, arbitrary: scalar },
  { weight: 1, arbitrary: idLike },
  { weight: 1, arbitrary: fc.array(fc.oneof(scalar, fc.dictionary(fc.constantFrom('productId', 'quantity', 'batchId', 'method', 'tendered'), fc.oneof(scalar, idLike))), { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('method', 'tendered', 'productId', 'quantity'), fc.oneof(scalar, idLike)) },
);
const body = (fields: string[]) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.dictionary(fc.oneof(fc.constantFrom(...(fields.length ? fields : ['x'])), fc.string({ maxLength: 8 })), value, { maxKeys: 8 }) },
    { weight: 1, arbitrary: fc.constantFrom('{"broken": ', '[1,2', 'null', '"text"', '{"a":1}}', '\u0000') },
    { weight: 1, arbitrary: fc.anything({ maxDepth: 3 }) },
  );
const query = fc.dictionary(fc.constantFrom('q', 'limit', 'from', 'to', 'date', 'filtre', 'since', 'x'), fc.oneof(nasty, fc.integer().map(String), fc.constantFrom('%ZZ', '%00', '%')), { maxKeys: 3 });
const routeCase = (routes: [string, string, string[]][]) =>
  fc.constantFrom(...routes).chain(([method, path, fields]) =>
    fc.record({ method: fc.constant(method), path: fc.constant(path), id: idLike, body: body(fields), query, rawQuery: fc.boolean(), gzip: fc.boolean(), csrf: fc.boolean() }),
  );

const counts = async () =>
  t.db.one(
    `select (select count(*)::int from products) as p, (select count(*)::int from product_batches) as b, (select count(*)::int from stock_movements) as m,
       (select count(*)::int from sales) as s, (select count(*)::int from sale_items) as i, (select count(*)::int from sync_outbox) as o,
       (select count(*)::int from users) as u, (select count(*)::int from cart_lines) as c,
       (select sum(quantity)::int from product_batches) as q,
       (select md5(string_agg(name || unit_price || active, ',' order by id)) from products) as ph,
       (select md5(row(name, address, phone, tax_id, receipt_footer, receipt_width_mm, printer_kind, printer_target, return_approval_over,
         return_approval_after_days, cash_out_approval_over)::text) from shops where code = 'FUZ01') as sh`,
  );

function send(c: { method: string; path: string; id: string; body: unknown; query: Record<string, string>; rawQuery: boolean; gzip: boolean; csrf: boolean }, page: boolean) {
  // Ids go into the path as given: a bad percent-encoding must reach the router.
  const path = c.path.replace(':id', c.id.includes('%') ? c.id : encodeURIComponent(c.id));
  const qs = c.rawQuery ? Object.entries(c.query).map(([k, v]) => `${k}=${v}`).join('&') : new URLSearchParams(c.query).toString();
  const url = qs ? `${path}?${qs}` : path;
  let r = (agent as unknown as Record<string, (u: string) => request.Test>)[c.method]!(url);
  if (page) {
    r = r.set('HX-Request', 'true');
    if (c.csrf) r = r.set('X-CSRF-Token', csrf);
    if (c.method === 'get') return r;
    const form = typeof c.body === 'object' && c.body !== null && !Array.isArray(c.body) ? (c.body as Record<string, unknown>) : { v: c.body };
    const fields = Object.fromEntries(Object.entries(form).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v) ?? '']));
    return r.type('form').send(new URLSearchParams(fields).toString());
  }
  if (c.method === 'get') return r;
  const text = typeof c.body === 'string' ? c.body : JSON.stringify(c.body) ?? 'undefined';
  r = r.set('content-type', 'application/json');
  if (c.gzip) return r.set('content-encoding', 'gzip').send(c.gzip && text.length % 3 === 0 ? Buffer.from(text) : gzipSync(Buffer.from(text)));
  return r.send(text);
}

async function check(c: Parameters<typeof send>[0], page: boolean) {
  const before = await counts();
  const res = await send(c, page);
  const where = `${c.method.toUpperCase()} ${c.path} id=${JSON.stringify(c.id).slice(0, 60)} body=${JSON.stringify(c.body)?.slice(0, 200)}`;
  expect(res.status, `${where} → ${res.status} ${res.text?.slice(0, 200)}`).toBeLessThan(500);
  const type = String(res.headers['content-type'] ?? '');
  // 431: Node's HTTP parser refuses headers over 16 KB before any of our code runs.
  if (res.status === 431) return;
  if (res.status >= 400) {
    expect(type, `${where} → ${res.status}`).toMatch(page ? /text\/html/ : /application\/json/);
    if (!page) expect(res.body.error.message, where).toMatch(/\S/);
    expect(await counts(), where).toEqual(before);
  } else if (!page && res.status !== 204 && !c.path.endsWith('.pdf')) {
    expect(type, where).toMatch(/application\/json/);
  }
}

describe('nothing a client sends makes the shop answer 500', () => {
  it('holds for every JSON API route (fixed seed)', { timeout: 300_000 }, async () => {
    await fc.assert(fc.asyncProperty(routeCase(API), (c) => check(c, false)), { seed: 11_2026, numRuns: 2600, endOnFailure: true });
  });

  it('holds for every page and form (fixed seed)', { timeout: 300_000 }, async () => {
    await fc.assert(fc.asyncProperty(routeCase(PAGES), (c) => check(c, true)), { seed: 26_1111, numRuns: 2600, endOnFailure: true });
  });
});
