import type { Actor, Deps } from '../context.js';
import type { ProductWithStock } from '../catalog/queries.js';
import type { CatalogService } from '../catalog/service.js';
import { dateInZone, formatDateFr } from '../domain/dates.js';
import { allocateFefo, expiresWithin, fefoOrder, isSellable } from '../domain/fefo.js';
import { lineTotal } from '../domain/money.js';
import { gtin14, parseScan } from '../domain/scan.js';
import { AppError } from '../errors.js';
import { t } from '../i18n/fr.js';
import { newId } from '../ids.js';
import { discountLabel, unsellable, type NewSale, type SalesService, type SaleWithItems } from '../sales/service.js';
import type { SaleInput } from '../sales/schemas.js';
import { discountAmount, type Discount } from '../domain/tender.js';
import { batchesOfProduct, batchesOfProducts, type Batch } from '../stock/queries.js';
import type { Tx } from '../db/pool.js';
import { addToCart, bumpCartVersion, cartLines, cartVersion, clearCart, productByGtin, setCartDiscount, setCartQuantity } from './queries.js';

export interface CartLineView {
  id: string;
  productId: string;
  productName: string;
  quantity: number;
  unitPrice: number;
  /** After the line's discount. */
  lineTotal: number;
  discount: { kind: 'percent' | 'amount'; value: number; reason: string; amount: number; label: string } | null;
  pinnedLot: string | null;
  lots: { lotNumber: string; expirationDate: string; quantity: number; expiringSoon: boolean }[];
  problem: string | null;
  warning: string | null;
}

export interface CartView {
  /** Raised by every change: the page keeps the newest state whatever order answers arrive in. */
  version: number;
  lines: CartLineView[];
  total: number;
  units: number;
}

export type ScanOutcome =
  | { kind: 'added'; message: string; warning: string | null }
  | { kind: 'results'; results: ProductWithStock[] }
  | { kind: 'refused'; message: string };

/** The till: a cart per session, kept in the database, shown with the lots FEFO will take. */
export function tillService({ db, shop, now }: Deps, catalog: CatalogService, sales: SalesService) {
  const today = () => dateInZone(now(), shop.timezone);

  function earlierLotWarning(batches: Batch[], pinned: Batch, day: string): string | null {
    const earlier = batches.filter((b) => isSellable(b, day) && b.id !== pinned.id).sort(fefoOrder)[0];
    return earlier && earlier.expirationDate < pinned.expirationDate
      ? t('scan.earlier_lot', { lot: earlier.lotNumber, date: formatDateFr(earlier.expirationDate) })
      : null;
  }

  /** Every change of a cart raises its version in the same transaction, first (its row lock orders the session's changes). */
  async function changeCart(sessionHash: string, change: (tx: Tx) => Promise<unknown>): Promise<void> {
    // A cart edit is not worth a disk flush: a power cut may lose the last second of scans, never a sale.
    await db.withTransaction(async (tx) => {
      await bumpCartVersion(tx, sessionHash);
      await change(tx);
    }, { flush: false });
  }

  /** One more unit of a product (of that lot), the product and lot already checked. */
  const putInCart = (sessionHash: string, productId: string, batchId: string | null = null) =>
    changeCart(sessionHash, (tx) => addToCart(tx, { id: newId(), sessionHash, productId, batchId, quantity: 1 }));

  const service = {
    async cart(sessionHash: string): Promise<CartView> {
      // The version is read before the lines: a change in between shows newer lines under an older version, never the reverse.
      const version = await cartVersion(db, sessionHash);
      const rows = await cartLines(db, sessionHash);
      const day = today();
      // One query for every line's lots, whatever the number of lines.
      const byProduct = new Map<string, Batch[]>(rows.map((r) => [r.productId, []]));
      for (const b of await batchesOfProducts(db, shop.id, [...byProduct.keys()])) byProduct.get(b.productId)!.push(b);
      const lines: CartLineView[] = rows.map((r) => {
        const batches = byProduct.get(r.productId)!;
        const byId = new Map(batches.map((b) => [b.id, b]));
        const pinned = r.batchId ? byId.get(r.batchId) : undefined;
        const result = allocateFefo(batches, r.quantity, day, pinned ? [{ batchId: pinned.id, quantity: r.quantity }] : []);
        const gross = lineTotal(r.unitPrice, r.quantity);
        const asked = r.discountKind ? { kind: r.discountKind, value: r.discountValue ?? 0, reason: r.discountReason ?? '' } : null;
        const off = discountAmount(gross, asked);
        const base = {
          id: r.id, productId: r.productId, productName: r.productName, quantity: r.quantity, unitPrice: r.unitPrice,
          lineTotal: gross - off, discount: asked && off > 0 ? { ...asked, amount: off, label: discountLabel(asked) } : null,
          pinnedLot: pinned?.lotNumber ?? null,
          warning: pinned ? earlierLotWarning(batches, pinned, day) : null,
        };
        if (!result.ok) {
          const problem = 'unsellableLot' in result
            ? t('sale.lot_not_sellable', { lotNumber: result.unsellableLot.lotNumber, name: r.productName, why: t('lot.expired') })
            : t('cart.short', { available: result.available });
          return { ...base, lots: [], problem };
        }
        const lots = result.allocations.map((a) => {
          const b = byId.get(a.batchId)!;
          return { lotNumber: b.lotNumber, expirationDate: b.expirationDate, quantity: a.quantity, expiringSoon: expiresWithin(b.expirationDate, day) };
        });
        return { ...base, lots, problem: null };
      });
      return { version, lines, total: lines.reduce((s, l) => s + l.lineTotal, 0), units: lines.reduce((s, l) => s + l.quantity, 0) };
    },

    async add(sessionHash: string, productId: string, batchId: string | null = null): Promise<void> {
      const product = await catalog.productWithStock(productId); // a product that does not exist is a 404, not a broken cart
      if (batchId && !(await batchesOfProduct(db, shop.id, product.id)).some((b) => b.id === batchId)) throw new AppError(422, 'lot_not_sellable', 'sale.lot_unknown', { name: product.name });
      await putInCart(sessionHash, productId, batchId);
    },

    /** A scanner's Enter: a GS1 DataMatrix picks that lot, a GTIN the product, text searches. */
    async scan(sessionHash: string, code: string): Promise<ScanOutcome> {
      const scan = parseScan(code);
      if (scan.kind === 'invalid') {
        return { kind: 'refused', message: t(`scan.${scan.reason}`, { code: code.trim() }) };
      }
      if (scan.kind === 'text') {
        const results = scan.text ? await catalog.searchProducts(scan.text, 20) : [];
        if (results.length === 1 && results[0]!.sellableQuantity > 0) {
          await putInCart(sessionHash, results[0]!.id);
          return { kind: 'added', message: t('scan.added', { name: results[0]!.name }), warning: null };
        }
        return { kind: 'results', results };
      }
      const product = await productByGtin(db, gtin14(scan.gtin));
      if (!product) return { kind: 'refused', message: t('scan.unknown_gtin', { gtin: scan.gtin }) };
      if (!product.active) return { kind: 'refused', message: t('product.inactive', { name: product.name }) };
      if (scan.kind === 'gtin' || !scan.lot) {
        // A barcode names the product: refused here, with the reason (a recall's own), when no lot of it can be sold.
        const refusal = unsellable(product, await batchesOfProduct(db, shop.id, product.id), today());
        if (refusal) return { kind: 'refused', message: refusal.message };
        await putInCart(sessionHash, product.id);
        return { kind: 'added', message: t('scan.added', { name: product.name }), warning: null };
      }
      const day = today();
      const batches = await batchesOfProduct(db, shop.id, product.id);
      const lot = batches.find((b) => b.lotNumber === scan.lot);
      const names = { lot: scan.lot, name: product.name };
      if (!lot) return { kind: 'refused', message: t('scan.unknown_lot', names) };
      if (lot.status === 'recalled') return { kind: 'refused', message: t('scan.lot_recalled', { ...names, reason: lot.statusReason ?? '' }) };
      if (lot.status === 'quarantined') return { kind: 'refused', message: t('scan.lot_quarantined', names) };
      if (lot.expirationDate < day) return { kind: 'refused', message: t('scan.lot_expired', { ...names, date: formatDateFr(lot.expirationDate) }) };
      if (lot.quantity <= 0) return { kind: 'refused', message: t('scan.lot_empty', names) };
      await putInCart(sessionHash, product.id, lot.id);
      return { kind: 'added', message: t('scan.added_lot', names), warning: earlierLotWarning(batches, lot, day) };
    },

    setDiscount: (sessionHash: string, lineId: string, d: Discount | null) => changeCart(sessionHash, (tx) => setCartDiscount(tx, sessionHash, lineId, d)),
    setQuantity: (sessionHash: string, lineId: string, quantity: number) => changeCart(sessionHash, (tx) => setCartQuantity(tx, sessionHash, lineId, quantity)),
    clear: (sessionHash: string) => changeCart(sessionHash, (tx) => clearCart(tx, sessionHash)),

    /** Pays the cart as one sale; a refusal leaves the cart as it was. */
    async checkout(
      sessionHash: string,
      payment: Pick<SaleInput, 'payments' | 'discount' | 'managerPin' | 'terminal'> & { payments: NonNullable<SaleInput['payments']> },
      actor: Actor,
      alsoInTransaction?: (tx: Tx, sale: NewSale) => Promise<unknown>,
      client?: string,
    ): Promise<SaleWithItems> {
      const lines = await cartLines(db, sessionHash);
      if (lines.length === 0) throw new AppError(422, 'empty_cart', 'sale.empty');
      return sales.recordSale(
        {
          lines: lines.map((l) => ({
            productId: l.productId, quantity: l.quantity, ...(l.batchId ? { batchId: l.batchId } : {}),
            ...(l.discountKind ? { discount: { kind: l.discountKind, value: l.discountValue ?? 0, reason: l.discountReason ?? '' } } : {}),
          })),
          ...payment,
        },
        actor,
        { client, alsoInTransaction: async (tx, sale) => {
          await bumpCartVersion(tx, sessionHash);
          await clearCart(tx, sessionHash);
          await alsoInTransaction?.(tx, sale);
        } },
      );
    },
  };
  return service;
}

export type TillService = ReturnType<typeof tillService>;
