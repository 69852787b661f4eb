import { beforeAll, describe, expect, it } from 'vitest';
import { PINS, seedBatch, seedProduct, testShop, type TestShop } from '../support/harness.js';
import { pdfText, requireTool } from '../support/tools.js';

// Issue 22: the X and Z reports list the credits a manager's PIN allowed (over the limit, or to a blocked customer): who, to whom, how much.
const poppler = requireTool('pdftotext', 'poppler-utils');
// The till's narrow report wraps a line: spaces, no-break ones and line ends read as one space.
const plain = (s: string) => s.replace(/[\u00a0\u202f\s]+/g, ' ');

let t: TestShop;
let product: string;
const poste = { 'x-comptoir-poste': 'Caisse 2' };

beforeAll(async () => {
  t = await testShop({ now: new Date('2026-11-26T09:00:00Z') });
  const p = await seedProduct(t, { name: 'Oméprazole 20 mg', unitPrice: 1000 });
  await seedBatch(t, { productId: p.id, lotNumber: 'OME-1', expirationDate: '2028-12-31', quantity: 500 });
  product = p.id;
});

const sale = (quantity: number, customerId: string, managerPin?: string) => ({
  lines: [{ productId: product, quantity }], payments: [{ method: 'credit', customerId }], ...(managerPin ? { managerPin } : {}),
});

describe('credit approvals on the X and Z reports', () => {
  it('lists each credit sale a manager allowed with the sale, the customer, the amount, the cashier and the manager; credits within the limit and voided sales are not listed', async () => {
    const manager = await t.as('manager');
    const awa = (await manager.post('/api/customers').send({ name: 'Awa Diop', creditLimit: 5000 }).expect(201)).body.id as string;
    const ndeye = (await manager.post('/api/customers').send({ name: 'Ndèye Fall', creditLimit: 50_000 }).expect(201)).body.id as string;
    await manager.patch(`/api/customers/${ndeye}`).send({ blocked: true }).expect(200);

    const cashier = await t.as('cashier');
    const session = (await cashier.post('/api/cash/sessions').set(poste).send({ float: 10_000 }).expect(201)).body.id as string;
    // Within the limit: no approval.
    const within = await cashier.post('/api/sales').set(poste).send(sale(3, awa));
    expect(within.status).toBe(201);
    // Over the limit without a PIN: refused, nothing listed.
    const refused = await cashier.post('/api/sales').set(poste).send(sale(4, awa));
    expect(refused.status).toBe(403);
    // Over the limit, allowed; a blocked customer, allowed; a third allowed and then voided.
    const over = await cashier.post('/api/sales').set(poste).send(sale(4, awa, PINS.manager));
    expect(over.status, JSON.stringify(over.body)).toBe(201);
    const blocked = await cashier.post('/api/sales').set(poste).send(sale(2, ndeye, PINS.manager));
    expect(blocked.status, JSON.stringify(blocked.body)).toBe(201);
    const voided = await cashier.post('/api/sales').set(poste).send(sale(1, ndeye, PINS.manager));
    expect(voided.status).toBe(201);
    await manager.post(`/api/sales/${voided.body.id}/void`).send({ reason: 'Erreur de client' }).expect(200);

    const x = (await cashier.get(`/api/cash/sessions/${session}`).expect(200)).body as { report: { approvals: unknown[] } };
    const credits = x.report.approvals.filter((a) => (a as { kind: string }).kind === 'credit');
    expect(credits).toEqual([
      expect.objectContaining({ kind: 'credit', reference: over.body.number, customer: 'Awa Diop', amount: 4000, cashier: 'Test cashier', approvedBy: 'Test manager' }),
      expect.objectContaining({ kind: 'credit', reference: blocked.body.number, customer: 'Ndèye Fall', amount: 2000, cashier: 'Test cashier', approvedBy: 'Test manager' }),
    ]);

    if (poppler.available) {
      const xPdf = await cashier.get(`/api/cash/sessions/${session}/x.pdf`).expect(200);
      const text = plain(pdfText(xPdf.body as Buffer));
      expect(text).toMatch(new RegExp(`Crédit ${over.body.number} à Awa Diop, 4 000 FCFA vendu par Test cashier \\(Test manager\\)`));
      expect(text).toMatch(new RegExp(`Crédit ${blocked.body.number} à Ndèye Fall, 2 000 FCFA vendu par Test cashier \\(Test manager\\)`));
      expect(text).not.toContain(`Crédit ${within.body.number}`);
      expect(text).not.toContain(`Crédit ${voided.body.number}`);
    }

    // The Z at closing lists the same.
    const report = x.report as unknown as { expected: Record<string, number> };
    await cashier.post(`/api/cash/sessions/${session}/close`).send({ counted: report.expected }).expect(200);
    const z = (await cashier.get(`/api/cash/sessions/${session}`).expect(200)).body as { report: { approvals: { kind: string; reference: string }[] } };
    expect(z.report.approvals.filter((a) => a.kind === 'credit').map((a) => a.reference)).toEqual([over.body.number, blocked.body.number]);
    if (poppler.available) {
      const zPdf = await cashier.get(`/api/cash/sessions/${session}/z.pdf`).expect(200);
      const text = plain(pdfText(zPdf.body as Buffer));
      expect(text).toContain('Autorisations d');
      expect(text).toMatch(new RegExp(`Crédit ${over.body.number} à Awa Diop, 4 000 FCFA vendu par Test cashier \\(Test manager\\)`));
      expect(text).toMatch(new RegExp(`Crédit ${blocked.body.number} à Ndèye Fall`));
    }
  });
});
