import type { Actor, ShopContext } from '../context.js';
import { addDays, dateInZone } from '../domain/dates.js';
import { gtinCheckDigit } from '../domain/gtin.js';
import type { Services } from '../services.js';
import { demoCatalogue } from './catalogue.js';

/** A small deterministic generator, so every demo shows the same shop. */
function rng(seed: number) {
  let s = seed >>> 0;
  return (max: number) => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s % max;
  };
}

function cip13(n: number): string {
  const body = `34009${String(3_000_000 + n * 37).padStart(7, '0')}`;
  return body + gtinCheckDigit(body);
}

/**
 * Loads the demo catalogue through the services, as a manager would: some
 * lots expired, some expiring within 30 days, most good; a few sales today,
 * rung up by `cashier` (the manager when none is given). Does nothing when
 * the shop already has products. It creates no user: accounts with known
 * PINs exist only in `npm run demo` (scripts/demo.ts), never in a shop that
 * ran `npx comptoir seed-demo`.
 */
export async function seedDemo(services: Services, shop: ShopContext, now: Date, manager: Actor, cashier: Actor = manager): Promise<{ seeded: boolean }> {
  if ((await services.catalog.searchProducts('', 1, true)).length > 0) return { seeded: false };
  const today = dateInZone(now, shop.timezone);
  const next = rng(2026);
  const productIds: string[] = [];
  for (const [i, [name, unitPrice]] of demoCatalogue.entries()) {
    const product = await services.catalog.createProduct({ sku: `P${String(i + 1).padStart(4, '0')}`, gtin: cip13(i + 1), name, unitPrice }, manager);
    productIds.push(product.id);
    const lots = 2 + next(3);
    for (let l = 0; l < lots; l++) {
      // One lot in five already expired, one in six within 30 days, the rest 2 to 30 months away.
      const roll = next(30);
      const offset = roll < 6 ? -(5 + next(120)) : roll < 11 ? 1 + next(29) : 60 + next(840);
      await services.stock.receiveBatch(
        {
          productId: product.id,
          lotNumber: `${String.fromCharCode(65 + next(26))}${String.fromCharCode(65 + next(26))}${2400 + next(600)}-${l + 1}`,
          expirationDate: addDays(today, offset),
          quantity: 5 + next(60),
          unitCost: Math.round((unitPrice * (55 + next(20))) / 100),
          receivedDate: addDays(today, -(10 + next(200))),
        },
        manager,
      );
    }
  }
  for (let s = 0; s < 15; s++) {
    const lines = Array.from({ length: 1 + next(3) }, () => ({ productId: productIds[next(productIds.length)]!, quantity: 1 + next(3) }));
    try {
      const method = (['cash', 'mobile_money', 'card'] as const)[next(3)]!;
      // Mobile money is taken with what the customer's phone shows: the operator and the transaction's reference.
      const payment = method === 'mobile_money' ? { method, operator: 'orange_money' as const, reference: `OM-DEMO-${s + 1}` } : { method };
      await services.sales.recordSale({ lines, payment }, cashier);
    } catch {
      // a product whose lots are all expired cannot be sold: that is part of the demo
    }
  }
  return { seeded: true };
}
