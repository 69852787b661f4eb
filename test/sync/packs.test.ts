import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { unitPackId } from '../../server/ids.js';
import { staffService } from '../../server/staff/service.js';
import { csrfToken } from '../../server/web/context.js';
import { cashierActor, managerActor, pushBodyOf, seedBatch, testHq, testShop, type TestHq, type TestShop } from '../support/harness.js';

let hq: TestHq;
let shop: TestShop;
let other: TestShop;
let oldShopToken: string;

beforeAll(async () => {
  hq = await testHq();
  await hq.listen();
  shop = await testShop({ code: 'DKR01', hq: { url: hq.url, token: await hq.registerShop('DKR01') } });
  other = await testShop({ code: 'THS02', hq: { url: hq.url, token: await hq.registerShop('THS02') } });
  oldShopToken = await hq.registerShop('OLD03');
});

async function tablets(t: TestShop, sku: string) {
  return t.services.catalog.createProduct({
    sku, name: 'Doliprane 500 mg', baseUnit: 'comprimé', unitPrice: 100,
    packs: [{ name: 'Plaquette de 10', units: 10, unitPrice: 900 }, { name: 'Boîte de 30', units: 30, unitPrice: 2500 }],
  }, managerActor(t));
}

describe('packs between shops and head office', () => {
  it('brings a shop’s packs to head office and every other shop, and its sales of a box in base units', async () => {
    const p = await tablets(shop, 'SYNC-DOLI');
    const box = p.packs.find((k) => k.units === 30)!;
    const lot = await seedBatch(shop, { productId: p.id, lotNumber: 'B1', expirationDate: '2027-06-30', quantity: 90 });
    await shop.services.sales.recordSale({ lines: [{ productId: p.id, packId: box.id, quantity: 2 }, { productId: p.id, quantity: 3 }], payment: { method: 'card' } }, cashierActor(shop));
    await shop.services.sync.runNow();

    const atHq = await hq.db.rows<{ id: string; name: string; units: number; unitPrice: number }>('select id, name, units, unit_price from product_packs where product_id = $1 order by units', [p.id]);
    expect(atHq.map((k) => [k.id, k.name, k.units, k.unitPrice])).toEqual(p.packs.map((k) => [k.id, k.name, k.units, k.unitPrice]));
    const [sale] = (await hq.admin('get', '/api/shops/DKR01/sales')).body;
    expect(sale.items.map((i: { packName: string; quantity: number; units: number }) => [i.packName, i.quantity, i.units])).toEqual([['Boîte de 30', 2, 60], ['comprimé', 3, 3]]);
    expect((await hq.admin('get', `/api/batches/${lot.id}`)).body.quantity).toBe(27);

    await other.services.sync.pullNow();
    const there = await other.services.catalog.getProduct(p.id);
    expect(there).toMatchObject({ baseUnit: 'comprimé', unitPrice: 100 });
    expect(there.packs.map((k) => [k.id, k.name, k.units, k.unitPrice])).toEqual(p.packs.map((k) => [k.id, k.name, k.units, k.unitPrice]));
  });

  it('merges a pack field by field: head office’s price and its maker’s sellable flag both stand; another shop’s edit stays at that shop', async () => {
    const p = await tablets(shop, 'SYNC-MERGE');
    const blister = p.packs.find((k) => k.units === 10)!;
    await shop.services.sync.runNow();
    await other.services.sync.pullNow();
    // Head office changes the blister's price while the shop that made it stops selling blisters, offline.
    const priced = await hq.admin('patch', `/api/products/${p.id}/packs/${blister.id}`).send({ unitPrice: 950 });
    expect(priced.status).toBe(200);
    await shop.services.catalog.updatePack(p.id, blister.id, { sellable: false }, managerActor(shop));
    await shop.services.sync.runNow();
    await other.services.sync.pullNow();
    for (const t of [shop, other]) {
      const k = (await t.services.catalog.getProduct(p.id)).packs.find((x) => x.id === blister.id)!;
      expect([k.unitPrice, k.sellable]).toEqual([950, false]);
    }
    expect(await hq.db.one('select unit_price, sellable from product_packs where id = $1', [blister.id])).toEqual({ unitPrice: 950, sellable: false });

    // Another shop's price for the chain's pack is its own: head office keeps its price, on the record, and feeds nothing.
    await other.services.catalog.updatePack(p.id, blister.id, { unitPrice: 1000 }, managerActor(other));
    await other.services.sync.runNow();
    await shop.services.sync.pullNow();
    expect(await hq.db.one('select unit_price from product_packs where id = $1', [blister.id])).toEqual({ unitPrice: 950 });
    expect((await shop.services.catalog.getProduct(p.id)).packs.find((x) => x.id === blister.id)!.unitPrice).toBe(950);
    expect((await other.services.catalog.getProduct(p.id)).packs.find((x) => x.id === blister.id)!.unitPrice).toBe(1000);
    expect(await hq.db.one('select winner from sync_conflicts where entity = $1 and entity_id = $2 and reason = $3', ['product_pack', blister.id, 'chain_product_edit'])).toEqual({ winner: 'local' });
  });

  it('accepts a push from a shop older than packs: its products become a pack of 1 and its lines base units', async () => {
    // An older shop's day, as it sent it: no base unit, no pack, line quantities in units.
    const scratch = await testShop({ code: 'OLD03' });
    const p = await scratch.services.catalog.createProduct({ sku: 'OLD-PARA', name: 'Paracétamol', unitPrice: 300 }, managerActor(scratch));
    await seedBatch(scratch, { productId: p.id, lotNumber: 'O1', expirationDate: '2027-06-30', quantity: 20 });
    await scratch.services.sales.recordSale({ lines: [{ productId: p.id, quantity: 4 }], payment: { method: 'card' } }, cashierActor(scratch));
    const body = await pushBodyOf(scratch);
    for (const c of body.changes) {
      const data = c.data as Record<string, unknown>;
      delete data.baseUnit;
      if (c.entity === 'sale_item') for (const k of ['packId', 'packName', 'units']) delete data[k];
    }
    expect(body.changes.some((c) => c.entity === 'product_pack')).toBe(false);
    const res = await request(hq.app).post('/api/sync/push').set('authorization', `Bearer ${oldShopToken}`).send(body);
    expect(res.status).toBe(200);
    expect(res.body.refused).toEqual([]);
    const unit = await hq.db.one<{ id: string; units: number; unitPrice: number; name: string }>('select id, units, unit_price, name from product_packs where product_id = $1', [p.id]);
    expect(unit).toEqual({ id: unitPackId(p.id), units: 1, unitPrice: 300, name: 'unité' });
    const [sale] = (await hq.admin('get', '/api/shops/OLD03/sales')).body;
    expect(sale.items).toEqual([expect.objectContaining({ packId: unitPackId(p.id), packName: 'unité', quantity: 4, units: 4 })]);
  });

  it('lets head office add a pack to its product on the Catalogue page, and every shop gets it', async () => {
    await staffService({ db: hq.db, now: () => new Date() }).addUser({ login: 'awa', name: 'Awa Diop', role: 'admin', password: 'un-mot-de-passe-solide' });
    const agent = request.agent(hq.app);
    const login = await agent.post('/connexion').type('form').send({ login: 'awa', password: 'un-mot-de-passe-solide' });
    const token = decodeURIComponent(/comptoir_siege=([^;]+)/.exec(String(login.headers['set-cookie']))![1]!);
    const made = await hq.admin('post', '/api/products').send({ sku: 'HQ-GAZE', name: 'Compresses de gaze', baseUnit: 'rouleau', unitPrice: 400 });
    expect(made.status).toBe(201);
    const res = await agent.post(`/catalogue/${made.body.id}/conditionnements`).set('X-CSRF-Token', csrfToken(token)).set('HX-Request', 'true').type('form')
      .send({ name: 'Boîte de 12', units: '12', unitPrice: '4200', gtin: '' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('Boîte de 12');
    await shop.services.sync.pullNow();
    const there = await shop.services.catalog.getProduct(made.body.id);
    expect(there.baseUnit).toBe('rouleau');
    expect(there.packs.map((k) => [k.name, k.units, k.unitPrice])).toEqual([['rouleau', 1, 400], ['Boîte de 12', 12, 4200]]);
  });
});
