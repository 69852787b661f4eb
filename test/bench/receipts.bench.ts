/**
 * `npm run bench:receipts`: server time to render a receipt PDF after
 * warm-up, against a baseline measured in the same run (rendering the
 * 1-line ticket), so the 10-line figure reads as "so many small tickets".
 */
import os from 'node:os';
import { receiptModel, type ReceiptSource } from '../../server/domain/receipt.js';
import { receiptPdf } from '../../server/receipts/pdf.js';
import { cashReport } from '../../server/domain/cash-report.js';
import { zReportModel } from '../../server/domain/z-report.js';

function source(lines: number): ReceiptSource {
  return {
    shop: { name: 'Pharmacie du Plateau', address: '12 avenue Léopold Sédar Senghor\nDakar', phone: '33 821 00 00', taxId: '0012345 2G3', receiptFooter: 'Merci de votre visite !', timezone: 'Africa/Dakar' },
    sale: { number: 'DKR01-000123', createdAt: new Date(), cashierName: 'Awa Diop', total: 1_250_000 * lines, tendered: 1_250_000 * lines, change: 0, subtotal: 1_250_000 * lines, discount: 0, discountLabel: null, rounding: 0, payments: [{ method: 'cash', amount: 1_250_000 * lines }], status: 'completed', voidedAt: null },
    items: Array.from({ length: lines }, (_, i) => ({
      productName: `Paracétamol effervescent goût citron ${i + 1}, 16 comprimés sécables`, lotNumber: `LOT-${i + 1}`, expirationDate: '2027-03-31',
      quantity: 1, unitPrice: 1_250_000, discount: 0, discountLabel: null, lineTotal: 1_250_000,
    })),
    duplicate: false,
  };
}

async function measure(lines: number, width: 58 | 80, iterations = 60): Promise<number> {
  const model = receiptModel(source(lines));
  for (let i = 0; i < 10; i++) await receiptPdf(model, width); // warm-up
  const started = performance.now();
  for (let i = 0; i < iterations; i++) await receiptPdf(model, width);
  return (performance.now() - started) / iterations;
}

const baseline = await measure(1, 80);
process.stdout.write(`\n${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, Node ${process.version}\n`);
process.stdout.write(`baseline: 1-line receipt, 80 mm: ${baseline.toFixed(1)} ms\n`);
for (const [lines, width] of [[10, 80], [10, 58], [40, 80]] as const) {
  const ms = await measure(lines, width);
  process.stdout.write(`${lines}-line receipt, ${width} mm: ${ms.toFixed(1)} ms (${(ms / baseline).toFixed(2)} × baseline)\n`);
}

// The Z report of a busy session (400 sales, 30 returns, 10 voids, 12 cash movements): the report computed
// from the rows, laid out and rendered as PDF, as closing does. Budget: 50 ms.
function busyRows() {
  const sales = Array.from({ length: 400 }, (_, i) => ({
    cashierName: i % 3 === 0 ? 'Awa Diop' : 'Moussa Ndiaye', subtotal: 4200 + i, discount: i % 7 === 0 ? 420 : 0, total: 4200 + i - (i % 7 === 0 ? 420 : 0),
    rounding: 0, status: (i % 40 === 0 ? 'voided' : 'completed') as 'voided' | 'completed',
    payments: i % 2 === 0 ? [{ method: 'cash' as const, amount: 4200 + i - (i % 7 === 0 ? 420 : 0) }] : [{ method: 'mobile_money' as const, amount: 4200 + i - (i % 7 === 0 ? 420 : 0), operator: 'wave' as const }],
  }));
  const returns = Array.from({ length: 30 }, (_, i) => ({ cashierName: 'Awa Diop', amount: 1500 + i, rounding: 0, refundMethod: 'cash' as const }));
  return { sales, returns };
}

function busySession(): Parameters<typeof zReportModel>[0] {
  const { sales, returns } = busyRows();
  const movements = Array.from({ length: 12 }, (_, i) => ({ kind: (i % 2 ? 'in' : 'out') as 'in' | 'out', amount: 1000 * (i + 1), reason: `Motif ${i + 1}`, userName: 'Awa Diop' }));
  return {
    shop: source(1).shop,
    session: { terminal: 'Caisse 1', cashierName: 'Awa Diop', openedAt: new Date(), closedAt: new Date(), closedByName: 'Awa Diop', zNumber: 'DKR01-Z00042', counted: { cash: 500_000, mobile_money: 0, card: 0 }, closingComment: 'RAS' },
    movements,
    report: cashReport({ openingFloat: 20_000, sales, returns, movements }),
    at: new Date(),
  };
}
const zSource = busySession();
const { sales: zSales, returns: zReturns } = busyRows();
const zRender = async () => receiptPdf(zReportModel({ ...zSource, report: cashReport({ openingFloat: 20_000, sales: zSales, returns: zReturns, movements: zSource.movements }) }), 80);
for (let i = 0; i < 10; i++) await zRender();
const zTimes: number[] = [];
for (let i = 0; i < 60; i++) {
  const started = performance.now();
  await zRender();
  zTimes.push(performance.now() - started);
}
zTimes.sort((a, b) => a - b);
const zP95 = zTimes[Math.floor(zTimes.length * 0.95)]!;
process.stdout.write(`Z report (400 sales, 30 returns, 12 cash movements), 80 mm: median ${zTimes[30]!.toFixed(1)} ms, p95 ${zP95.toFixed(1)} ms (${(zTimes[30]! / baseline).toFixed(2)} × baseline; budget 50 ms: ${zP95 < 50 ? 'met' : 'NOT met'})\n`);
