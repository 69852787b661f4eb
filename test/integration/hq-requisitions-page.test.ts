import { beforeAll, describe, expect, it } from 'vitest';
import { staffService } from '../../server/staff/service.js';
import { seedBatch, seedProduct, staffBrowser, testHq, testShop, type TestHq, type TestShop } from '../support/harness.js';

// Issue 23: head office sees every shop's requisitions on a page, not only through the admin API.
let hq: TestHq;
let a: TestShop;
let b: TestShop;
let c: TestShop;
const PASSWORD = 'un-mot-de-passe-solide';
const numbers: Record<string, string> = {};

beforeAll(async () => {
  hq = await testHq();
  await hq.listen();
  await staffService({ db: hq.db, now: () => new Date() }).addUser({ login: 'moussa', name: 'Moussa Ba', role: 'lecture', password: PASSWORD });
  a = await testShop({ code: 'DKR01', hq: { url: hq.url, token: await hq.registerShop('DKR01') } });
  b = await testShop({ code: 'THS02', hq: { url: hq.url, token: await hq.registerShop('THS02') } });
  c = await testShop({ code: 'SLO03', hq: { url: hq.url, token: await hq.registerShop('SLO03') } });
  for (const s of [a, b, c]) await s.services.sync.pullNow({ force: true });
  const p = await seedProduct(a, { name: 'Ceftriaxone 1 g', unitPrice: 1500 });
  await seedBatch(a, { productId: p.id, lotNumber: 'CFX-1', expirationDate: '2028-06-30', quantity: 40 });
  await a.services.sync.runNow({ force: true });
  for (const s of [b, c]) await s.services.sync.pullNow({ force: true });

  // THS02 asks DKR01 twice (one answered and shipped, one cancelled); SLO03 asks DKR01 once and waits.
  const ask = async (s: TestShop, quantity: number) =>
    (await (await s.as('pharmacist')).post('/api/requisitions').send({ fromShop: 'DKR01', lines: [{ productId: p.id, quantity }], note: 'Rupture' }).expect(201)).body as { id: string; number: string };
  const answered = await ask(b, 12);
  const cancelled = await ask(b, 3);
  await (await b.as('pharmacist')).post(`/api/requisitions/${cancelled.id}/cancel`).expect(200);
  const waiting = await ask(c, 5);
  Object.assign(numbers, { answered: answered.number, cancelled: cancelled.number, waiting: waiting.number });
  for (const s of [b, c]) await s.services.sync.runNow({ force: true });
  await a.services.sync.pullNow({ force: true });
  const draft = (await (await a.as('pharmacist')).post(`/api/requisitions/${answered.id}/answer`).expect(201)).body as { id: string; number: string };
  await (await a.as('pharmacist')).post(`/api/transfers/${draft.id}/ship`).expect(200);
  numbers.transfer = draft.number;
  await a.services.sync.runNow({ force: true });
}, 120_000);

const rowsOf = (html: string) => [...html.matchAll(/data-requisition="([^"]+)" data-state="([^"]+)"/g)].map((m) => `${m[1]}:${m[2]}`);

describe('head office’s « Demandes » page', () => {
  it('lists every shop’s requisitions with who asks, who is asked, the state, the dates and the transfer that answered', async () => {
    const { agent } = await staffBrowser(hq, 'moussa', PASSWORD);
    const res = await agent.get('/demandes').expect(200);
    expect(res.text).toContain('<a href="/demandes" class="active">Demandes</a>');
    expect(res.text).toContain('Demandes de produits');
    expect(rowsOf(res.text).sort()).toEqual([`${numbers.answered}:answered`, `${numbers.cancelled}:cancelled`, `${numbers.waiting}:open`].sort());
    expect(res.text).toContain('3 demande(s).');
    const answered = res.text.slice(res.text.indexOf(`data-requisition="${numbers.answered}"`)).split('</tr>')[0]!;
    expect(answered).toContain('<td>THS02</td>');
    expect(answered).toContain('<td>DKR01</td>');
    expect(answered).toContain('traitée');
    expect(answered).toContain(`Transfert ${numbers.transfer}`);
    expect(answered).toMatch(/expédié le \d/);
    expect(answered).toContain('<td class="num">12</td>');
    const cancelled = res.text.slice(res.text.indexOf(`data-requisition="${numbers.cancelled}"`)).split('</tr>')[0]!;
    expect(cancelled).toContain('annulée');
    expect(cancelled).toContain('—');
    const waiting = res.text.slice(res.text.indexOf(`data-requisition="${numbers.waiting}"`)).split('</tr>')[0]!;
    expect(waiting).toContain('en attente');
    expect(waiting).toContain('<td>SLO03</td>');
  });

  it('filters by state and by shop (asking or asked), as a page and as the fragment htmx asks for', async () => {
    const { agent } = await staffBrowser(hq, 'moussa', PASSWORD);
    expect(rowsOf((await agent.get('/demandes?statut=answered').expect(200)).text)).toEqual([`${numbers.answered}:answered`]);
    expect(rowsOf((await agent.get('/demandes?statut=open').expect(200)).text)).toEqual([`${numbers.waiting}:open`]);
    expect(rowsOf((await agent.get('/demandes?boutique=SLO03').expect(200)).text)).toEqual([`${numbers.waiting}:open`]);
    // The shop asked sees all three; blank filters are no filter.
    expect(rowsOf((await agent.get('/demandes?boutique=DKR01&statut=').expect(200)).text)).toHaveLength(3);
    const none = await agent.get('/demandes?boutique=THS02&statut=open').set('HX-Request', 'true').expect(200);
    expect(none.text.startsWith('<div id="hq-requisitions">')).toBe(true);
    expect(none.text).toContain('Aucune demande.');
    expect(none.text).not.toContain('<nav');
  });

  it('refuses an unknown state with a French message, and shows nothing to a visitor not signed in', async () => {
    const { agent } = await staffBrowser(hq, 'moussa', PASSWORD);
    const bad = await agent.get('/demandes?statut=perdue');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('État inconnu : en attente, traitée ou annulée.');
    const anonymous = await (await import('supertest')).default(hq.app).get('/demandes');
    expect(anonymous.status).toBe(303);
    expect(anonymous.text).not.toContain('THS02');
  });
});
