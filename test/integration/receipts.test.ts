import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../server/ids.js';
import { seedBatch, seedProduct, testShop, type TestShop } from '../support/harness.js';
import { repoRoot } from '../support/process.js';
import { pdfPages, pdfText, requireTool } from '../support/tools.js';

const poppler = requireTool('pdftotext', 'poppler-utils');
const MM = 72 / 25.4;
let t: TestShop;

beforeAll(async () => {
  t = await testShop({ now: new Date('2026-11-26T14:05:00Z') });
  await (await t.as('manager'))
    .patch('/api/settings')
    .send({
      name: 'Pharmacie du Plateau',
      address: '12 avenue Léopold Sédar Senghor\nDakar',
      phone: '33 821 00 00',
      taxId: '0012345 2G3',
      receiptFooter: 'Merci de votre visite, à bientôt !',
    })
    .expect(200);
});

async function saleOf(lines: { name: string; unitPrice: number; quantity: number }[], payment = { method: 'cash', tendered: 2_000_000 }) {
  const productLines = [];
  for (const [i, l] of lines.entries()) {
    const p = await seedProduct(t, { name: l.name, unitPrice: l.unitPrice });
    await seedBatch(t, { productId: p.id, lotNumber: `LOT-${i + 1}`, expirationDate: '2027-03-31', quantity: 100 });
    productLines.push({ productId: p.id, quantity: l.quantity });
  }
  const cashier = await t.as('cashier');
  const res = await cashier.post('/api/sales').send({ lines: productLines, payment });
  expect(res.status).toBe(201);
  return res.body as { id: string; number: string };
}

async function setWidth(width: 58 | 80) {
  await (await t.as('manager')).patch('/api/settings').send({ receiptWidthMm: width }).expect(200);
}

describe.skipIf(!poppler.available)('receipt PDFs', () => {
  it('prints every field of a one-line 80 mm ticket, with accents and FCFA amounts', async () => {
    await setWidth(80);
    const sale = await saleOf([{ name: 'Crème Œstrogel à l’aloès', unitPrice: 1_250_000, quantity: 1 }]);
    const cashier = await t.as('cashier');
    const res = await cashier.get(`/api/sales/${sale.id}/receipt.pdf`).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    const pdf = res.body as Buffer;
    const text = pdfText(pdf);
    for (const expected of [
      'Pharmacie du Plateau', '12 avenue Léopold Sédar Senghor', 'Dakar', 'Tél. 33 821 00 00', 'NINEA / Id. fiscal : 0012345 2G3',
      `Ticket n° ${sale.number}`, '26/11/2026 14:05', 'Caissier : Test cashier', 'Crème Œstrogel à l’aloès',
      '1 × 1 250 000 FCFA', 'Lot LOT-1 · Exp. 03/2027', 'TOTAL', 'Paiement : Espèces', 'Montant remis', '2 000 000 FCFA',
      'Monnaie rendue', '750 000 FCFA', 'Merci de votre visite, à bientôt !',
    ]) expect(text).toContain(expected);
    expect(text).toMatch(/TOTAL\s+1 250 000 FCFA/);
    expect(text).not.toContain('DUPLICATA');
    expect(text).not.toContain('ANNUL');
    expect(text).not.toMatch(/\d \/\d/); // the U+202F trap: "1 /250 /000"
    const size = pdfPages(pdf);
    expect(size.pages).toBe(1);
    expect(size.widthPt).toBeCloseTo(80 * MM, 1);
    expect(size.heightPt).toBeLessThan(150 * MM); // no blank tail

    const outDir = path.join(repoRoot, 'test/receipts/out');
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(path.join(outDir, 'ticket-80mm.pdf'), pdf);
    execFileSync('pdftoppm', ['-png', '-r', '150', '-singlefile', path.join(outDir, 'ticket-80mm.pdf'), path.join(outDir, 'ticket-80mm')]);
    expect(fs.statSync(path.join(outDir, 'ticket-80mm.png')).size).toBeGreaterThan(5000);

    const again = await cashier.get(`/api/sales/${sale.id}/receipt.pdf`).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
    expect(pdfText(again.body as Buffer)).toContain('DUPLICATA');
  });

  it.each([58, 80] as const)('prints all 40 lines of a long sale on one %i mm page, names wrapped and never cut', async (width) => {
    await setWidth(width);
    const lines = Array.from({ length: 40 }, (_, i) => ({
      name: `Paracétamol effervescent goût citron ${i + 1} comprimés sécables`,
      unitPrice: [1, 1000, 1_250_000][i % 3]!,
      quantity: 1,
    }));
    const sale = await saleOf(lines, { method: 'card', tendered: 0 });
    const pdf = (await t.services.receipts.pdf(sale.id, { id: t.userIds.cashier, name: 'c', role: 'cashier' })).pdf;
    const text = pdfText(pdf).replace(/\s+/g, ' ');
    for (let i = 1; i <= 40; i++) {
      expect(text).toContain(`citron ${i} comprimés sécables`);
      expect(text).toContain(`Lot LOT-${i} · Exp. 03/2027`);
    }
    for (const amount of ['1 × 1 FCFA', '1 × 1 000 FCFA', '1 × 1 250 000 FCFA']) expect(text).toContain(amount);
    expect(text).toContain('TOTAL 16 263 014 FCFA'); // 14 × 1 + 13 × 1 000 + 13 × 1 250 000
    expect(text).toContain('Paiement : Carte bancaire');
    expect(text).not.toContain('Monnaie rendue');
    const size = pdfPages(pdf);
    expect(size.pages).toBe(1);
    expect(size.widthPt).toBeCloseTo(width * MM, 1);
  });

  it('stamps ANNULÉE on the reprint of a voided sale', async () => {
    await setWidth(80);
    const sale = await saleOf([{ name: 'Smecta', unitPrice: 4200, quantity: 2 }]);
    await (await t.as('manager')).post(`/api/sales/${sale.id}/void`).expect(200);
    const pdf = (await t.services.receipts.pdf(sale.id, { id: t.userIds.manager, name: 'm', role: 'manager' })).pdf;
    const text = pdfText(pdf);
    expect(text).toContain('ANNULÉE');
    expect(text).toContain('Vente annulée le 26/11/2026');
    expect(pdfPages(pdf).pages).toBe(1);
  });
});

describe('receipt access', () => {
  it('answers 404 for an unknown sale and for a sale of another shop', async () => {
    const cashier = await t.as('cashier');
    expect((await cashier.get('/api/sales/01900000-0000-7000-8000-000000000000/receipt.pdf')).status).toBe(404);
    const other = newId();
    await t.db.exec(`insert into shops (id, code, name, timezone) values ($1, 'THS02', 'Autre', 'Africa/Dakar')`, [other]);
    const foreign = newId();
    await t.db.exec(
      `insert into sales (id, shop_id, number, cashier_id, cashier_name, total, tendered, change, payment_method, hlc)
       values ($1, $2, 'THS02-000001', $3, 'X', 0, 0, 0, 'card', '0')`,
      [foreign, other, t.userIds.cashier],
    );
    const res = await cashier.get(`/api/sales/${foreign}/receipt.pdf`);
    expect(res.status).toBe(404);
    expect(res.body.error.message).toBe('Vente introuvable.');
  });
});

describe('printing at the counter', () => {
  it('sends the ticket to an ESC/POS network printer when a sale completes, in its code page', async () => {
    const received: Buffer[] = [];
    let printed!: () => void;
    const done = new Promise<void>((r) => (printed = r));
    // Like a printer: reads until the sender hangs up.
    const printer = net.createServer((socket) => {
      socket.on('data', (d) => received.push(d));
      socket.on('close', () => printed());
    });
    await new Promise<void>((r) => printer.listen(0, '127.0.0.1', r));
    const port = (printer.address() as net.AddressInfo).port;
    try {
      await (await t.as('manager')).patch('/api/settings').send({ printerKind: 'escpos', printerTarget: `tcp://127.0.0.1:${port}` }).expect(200);
      const sale = await saleOf([{ name: 'Crème Œstrogel', unitPrice: 3500, quantity: 1 }]);
      await t.services.receipts.drain();
      await done;
      const bytes = Buffer.concat(received);
      const latin = bytes.toString('latin1');
      expect(latin).toContain('Pharmacie du Plateau');
      expect(latin).toContain('OEstrogel');
      expect(bytes.includes(Buffer.from([0x43, 0x72, 0x8a, 0x6d, 0x65]))).toBe(true); // "Crème" in PC858 (è = 0x8A)
      expect(latin).toContain('Lot LOT-1');
      expect(bytes.includes(Buffer.from([0x1d, 0x56]))).toBe(true); // GS V: cut
      const prints = (await (await t.as('cashier')).get(`/api/sales/${sale.id}/prints`)).body;
      expect(prints).toEqual([expect.objectContaining({ channel: 'escpos', status: 'done', error: null })]);
    } finally {
      printer.close();
      await (await t.as('manager')).patch('/api/settings').send({ printerKind: 'none', printerTarget: '' });
    }
  });

  it('never fails a sale when the printer is unreachable: the failure is recorded and shown', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const manager = await t.as('manager');
    try {
      await manager.patch('/api/settings').send({ printerKind: 'escpos', printerTarget: `tcp://127.0.0.1:${port}` }).expect(200);
      const sale = await saleOf([{ name: 'Biafine', unitPrice: 4300, quantity: 1 }]);
      await t.services.receipts.drain();
      const prints = (await manager.get(`/api/sales/${sale.id}/prints`)).body;
      expect(prints).toHaveLength(1);
      expect(prints[0]).toMatchObject({ channel: 'escpos', status: 'failed' });
      expect(prints[0].error).toBeTruthy();
      const retry = await manager.post(`/api/sales/${sale.id}/print`);
      expect(retry.status).toBe(502);
      expect(retry.body.status).toBe('failed');
      expect((await manager.get(`/api/sales/${sale.id}`)).status).toBe(200);
    } finally {
      await manager.patch('/api/settings').send({ printerKind: 'none', printerTarget: '' });
    }
  });
});

describe('receipt settings', () => {
  it('lets a manager set the shop details and printer, refuses others, and asks for a printer address', async () => {
    const cashier = await t.as('cashier');
    expect((await cashier.get('/api/settings')).body).toMatchObject({ name: 'Pharmacie du Plateau', receiptWidthMm: 80, printerKind: 'none' });
    expect((await cashier.patch('/api/settings').send({ phone: '1' })).status).toBe(403);
    const manager = await t.as('manager');
    const missing = await manager.patch('/api/settings').send({ printerKind: 'cups', printerTarget: '' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toBe('Indiquez l’imprimante : file CUPS, /dev/usb/lp0 ou tcp://adresse:9100.');
    expect((await manager.patch('/api/settings').send({ receiptWidthMm: 57 })).status).toBe(400);
  });
});

describe('a printer target is a printer, never a file', () => {
  it('refuses any path or odd address, writing nothing, and never opens a bad target stored before', async () => {
    const manager = await t.as('manager');
    const before = await t.db.one('select printer_kind, printer_target from shops where id = $1', [t.shop.id]);
    const file = path.join(os.tmpdir(), `comptoir-printer-${process.pid}.txt`);
    for (const [printerKind, printerTarget] of [
      ['escpos', file], ['escpos', '/etc/passwd'], ['escpos', '/dev/usb/../../tmp/x'], ['escpos', '/dev/sda'], ['escpos', 'tcp://host:99999'],
      ['escpos', 'printer:Epson'], ['escpos', 'tcp://a b:9100'], ['cups', '-o x'], ['cups', '../queue'], ['cups', 'a;rm -rf /'],
    ]) {
      const res = await manager.patch('/api/settings').send({ printerKind, printerTarget });
      expect(res.status, `${printerKind} ${printerTarget}`).toBe(422);
      expect(res.body.error.message).toMatch(/^Adresse d’imprimante refusée/);
    }
    expect(await t.db.one('select printer_kind, printer_target from shops where id = $1', [t.shop.id])).toEqual(before);
    for (const [printerKind, printerTarget, kept] of [
      ['escpos', '192.168.1.50:9100', 'tcp://192.168.1.50:9100'], ['escpos', '/dev/usb/lp0', '/dev/usb/lp0'], ['cups', 'Epson_TM-T20', 'Epson_TM-T20'],
    ]) {
      expect((await manager.patch('/api/settings').send({ printerKind, printerTarget })).body.printerTarget).toBe(kept);
    }
    // A path stored behind the API's back is refused at print time: the file is never written.
    await t.db.exec(`update shops set printer_kind = 'escpos', printer_target = $2 where id = $1`, [t.shop.id, file]);
    try {
      const sale = await saleOf([{ name: 'Sérum', unitPrice: 500, quantity: 1 }]);
      await t.services.receipts.drain();
      const prints = (await manager.get(`/api/sales/${sale.id}/prints`)).body;
      expect(prints[0]).toMatchObject({ status: 'failed' });
      expect(prints[0].error).toMatch(/^Adresse d’imprimante refusée/);
      expect(fs.existsSync(file)).toBe(false);
    } finally {
      await manager.patch('/api/settings').send({ printerKind: 'none', printerTarget: '' });
    }
  });
});
