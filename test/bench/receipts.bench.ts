/**
 * `npm run bench:receipts`: server time to render a receipt PDF after
 * warm-up, against a baseline measured in the same run (rendering the
 * 1-line ticket), so the 10-line figure reads as "so many small tickets".
 */
import os from 'node:os';
import { receiptModel, type ReceiptSource } from '../../server/domain/receipt.js';
import { receiptPdf } from '../../server/receipts/pdf.js';

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
