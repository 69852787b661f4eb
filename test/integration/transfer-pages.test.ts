import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { csrfToken } from '../../server/web/context.js';
import { shopIdFor } from '../../server/ids.js';
import { PINS, seedBatch, seedProduct, testShop, type TestShop } from '../support/harness.js';

let shop: TestShop;

beforeAll(async () => {
  shop = await testShop({ code: 'DKR01' });
  // What head office's feed would have announced.
  await shop.db.exec('insert into chain_shops (id, code, name) values ($1, $2, $3)', [shopIdFor('THS02'), 'THS02', 'Boutique THS02']);
});

/** A browser on the pages: its cookie, and every htmx post carrying the form token as the layout does. */
async function browserAs(role: keyof typeof PINS) {
  const agent = request.agent(shop.app);
  const res = await agent.post('/connexion').type('form').send({ pin: PINS[role] });
  const token = /comptoir_session=([^;]+)/.exec(String(res.headers['set-cookie']))![1]!;
  const csrf = csrfToken(decodeURIComponent(token));
  return {
    get: (path: string) => agent.get(path),
    post: (path: string) => agent.post(path).set('X-CSRF-Token', csrf),
  };
}

describe('the Transferts page', () => {
  it('prepares and ships a transfer from the form, and says a refusal in French next to it', async () => {
    const p = await seedProduct(shop, { name: 'Amoxicilline 1 g' });
    const lot = await seedBatch(shop, { productId: p.id, lotNumber: 'AMX-P', expirationDate: '2027-04-30', quantity: 9 });
    const agent = await browserAs('pharmacist');
    const page = await agent.get('/transferts').expect(200);
    expect(page.text).toContain('Transferts entre boutiques');
    expect(page.text).toContain('THS02 — Boutique THS02');

    const refused = await agent.post('/transferts').type('form').send({ toShop: 'THS02', batchId: lot.id, quantity: '10' });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('Le lot AMX-P n’a que 9 unité(s)');
    expect(await shop.db.one('select count(*)::int as n from transfers')).toEqual({ n: 0 });

    const made = await agent.post('/transferts').type('form').send({ toShop: 'THS02', batchId: [lot.id, ''], quantity: ['4', ''], reason: 'Péremption proche' }).expect(200);
    expect(made.text).toMatch(/Transfert DKR01-TR00001 préparé/);
    const [t] = await shop.services.transfers.list('out');
    const shipped = await agent.post(`/transferts/${t!.id}/expedier`).expect(200);
    expect(shipped.text).toContain('4 unité(s) en transit');
    expect(shipped.text).toContain('Bon de transfert (PDF)');
    expect((await shop.services.stock.getBatch(lot.id)).quantity).toBe(5);
  });
});

describe('requisitions on the Transferts page', () => {
  it('asks another shop for products from the form, and answers an incoming requisition with a transfer prefilled from its lots', async () => {
    const p = await seedProduct(shop, { name: 'Ibuprofène 400 mg' });
    const lot = await seedBatch(shop, { productId: p.id, lotNumber: 'IBU-P', expirationDate: '2027-05-31', quantity: 30 });
    const agent = await browserAs('pharmacist');
    const empty = await agent.post('/transferts/demandes').type('form').send({ fromShop: 'THS02', productId: [p.id, ''], quantity: ['0', ''] });
    expect(empty.status).toBe(422);
    expect(empty.text).toContain('La quantité demandée est un nombre entier d’au moins 1.');
    expect(await shop.db.one('select count(*)::int as n from requisitions')).toEqual({ n: 0 });
    const asked = await agent.post('/transferts/demandes').type('form').send({ fromShop: 'THS02', productId: [p.id, ''], quantity: ['6', ''] }).expect(200);
    expect(asked.text).toContain('Demande DKR01-RQ00001 envoyée');
    expect(asked.text).toContain('Demandes envoyées');

    // A requisition of THS02 addressed to this shop, as head office's feed brings it.
    const id = '0193a0e0-0000-7000-8000-0000000000aa';
    await shop.db.exec(
      `insert into requisitions (id, shop_id, shop_code, number, from_shop_id, from_shop_code, status, lines, hlc)
       values ($1, $2, 'THS02', 'THS02-RQ00007', $3, 'DKR01', 'open', $4, '001700000000000:000000:THS02')`,
      [id, shopIdFor('THS02'), shop.shop.id, JSON.stringify([{ productId: p.id, productName: 'Ibuprofène 400 mg', quantity: 8 }])],
    );
    const page = await agent.get('/transferts').expect(200);
    expect(page.text).toContain('THS02-RQ00007');
    expect(page.text).toContain('Préparer le transfert');
    const answered = await agent.post(`/transferts/demandes/${id}/repondre`).expect(200);
    expect(answered.text).toMatch(/Transfert DKR01-TR\d{5} préparé depuis la demande/);
    expect(answered.text).toMatch(/Réponse : transfert DKR01-TR\d{5}/);
    expect(answered.text).toContain('Motif : Réponse à la demande THS02-RQ00007');
    const t = (await shop.services.transfers.list('out')).find((x) => x.requisitionId === id)!;
    expect(t.lines.map((l) => [l.batchId, l.quantity])).toEqual([[lot.id, 8]]);
  });
});

describe('the Inventaires page', () => {
  it('opens a stocktake, takes a count with no prefilled quantity, and finalises it', async () => {
    const p = await seedProduct(shop, { name: 'Doliprane 1000' });
    const lot = await seedBatch(shop, { productId: p.id, lotNumber: 'DOL-P', expirationDate: '2027-04-30', quantity: 12 });
    const manager = await browserAs('manager');
    const opened = await manager.post('/inventaires').expect(200);
    expect(opened.text).toContain('Clôturer l’inventaire');
    expect(opened.text).toContain('non compté');
    expect(opened.text).not.toMatch(/name="countedQty"[^>]*value=/);
    const st = (await shop.services.stocktakes.list())[0]!;
    const counted = await (await browserAs('cashier')).post(`/inventaires/${st.id}/comptage`).type('form').send({ batchId: lot.id, countedQty: '11' }).expect(200);
    expect(counted.text).toContain('Comptage enregistré.');
    const done = await manager.post(`/inventaires/${st.id}/cloturer`).type('form').send({}).expect(200);
    expect(done.text).toMatch(/Inventaire DKR01-INV0001 clôturé/);
    expect((await shop.services.stock.getBatch(lot.id)).quantity).toBe(11);
  });
});

describe('migration 0019', () => {
  it('widens the movement-kind and outbox checks keeping the values other migrations added', async () => {
    const def = async (name: string) => (await shop.db.one<{ d: string }>('select pg_get_constraintdef(oid) as d from pg_constraint where conname = $1', [name]))!.d;
    // The outbox's check is on a name's form since 0022: ask it whether the entities pass.
    const outbox = (await def('sync_outbox_entity_check')).replace(/^CHECK \((.*)\)$/s, '$1');
    for (const entity of ['security_alert', 'transfer', 'transfer_receipt', 'stocktake']) {
      expect((await shop.db.one<{ ok: boolean }>(`select (${outbox}) as ok from (select $1::text as entity) as candidate`, [entity]))!.ok, entity).toBe(true);
    }
    // Rendered as the first migrations' checks are, so a later widening reads its values the same way.
    expect(await def('stock_movements_kind_check')).toMatch(/ANY \(ARRAY\['adjustment'::text, 'count'::text, 'receipt'::text.*'transfer_in'::text, 'transfer_out'::text\]\)/);
  });
});
