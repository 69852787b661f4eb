import type { Actor, Deps } from '../context.js';
import type { ProductWithStock } from '../catalog/lookup.js';
import type { CatalogService } from '../catalog/service.js';
import { boxOf, defaultPackOf, packOfGtin, productsForSale, sellablePacks, unitPackOf, type Pack, type ProductWithPacks } from '../catalog/lookup.js';
import { dateInZone, formatDateFr } from '../domain/dates.js';
import { expiresWithin, fefoOrder, isSellable } from '../domain/fefo.js';
import { lineTotal } from '../domain/money.js';
import { allocatePacks } from '../domain/packs.js';
import { gtin14, parseScan } from '../domain/scan.js';
import { AppError } from '../errors.js';
import { t } from '../i18n/fr.js';
import { newId } from '../ids.js';
import { discountLabel, packOfLine, unsellable, type NewSale, type SalesService, type SaleWithItems } from '../sales/service.js';
import type { SaleInput } from '../sales/schemas.js';
import { discountAmount, type Discount } from '../domain/tender.js';
import { lotsOfProduct, lotsOfProducts, type Batch } from '../stock/lots.js';
import type { Tx } from '../db/pool.js';
import { addToCart, bumpCartVersion, cartLine, cartWithVersion, clearCart, setCartDiscount, setCartPack, setCartQuantity, type CartLineRow } from './queries.js';

export interface CartLineView {
  id: string;
  productId: string;
  productName: string;
  /** The pack sold; `packs` lists what the line may switch to (only when there is a choice). */
  pack: { id: string; name: string; units: number };
  packs: { id: string; name: string; units: number; unitPrice: number; selected: boolean }[];
  quantity: number;
  unitPrice: number;
  /** After the line's discount. */
  lineTotal: number;
  discount: { kind: 'percent' | 'amount'; value: number; reason: string; amount: number; label: string } | null;
  pinnedLot: string | null;
  /** Packs of the line each lot would give now. */
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

/** « Doliprane 500 mg » for its base unit, « Doliprane 500 mg — Boîte de 30 » for a pack. */
const named = (product: { name: string }, pack: Pack) => (pack.units > 1 ? `${product.name} — ${pack.name}` : product.name);

/** The till: a cart per session, kept in the database, shown with the lots the sale will take. */
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

  /** One more pack of a product (of that lot), the product, pack and lot already checked. The unit pack is stored as none. */
  const putInCart = (sessionHash: string, product: ProductWithPacks, pack: Pack, batchId: string | null = null) =>
    changeCart(sessionHash, (tx) => addToCart(tx, { id: newId(), sessionHash, productId: product.id, packId: pack.id === unitPackOf(product).id ? null : pack.id, batchId, quantity: 1 }));

  /** A product's cart lines, with the lots the sale would take for all of them together (as it will). */
  function productLines(product: ProductWithPacks, rows: readonly CartLineRow[], batches: Batch[], day: string): CartLineView[] {
    const byId = new Map(batches.map((b) => [b.id, b]));
    const choices = sellablePacks(product);
    const views = rows.map((r) => {
      const pack = product.packs.find((k) => k.id === r.packId) ?? unitPackOf(product);
      const gross = lineTotal(pack.unitPrice, r.quantity);
      const asked = r.discountKind ? { kind: r.discountKind, value: r.discountValue ?? 0, reason: r.discountReason ?? '' } : null;
      const off = discountAmount(gross, asked);
      const pinned = r.batchId ? byId.get(r.batchId) : undefined;
      const view: CartLineView = {
        id: r.id, productId: product.id, productName: product.name, pack: { id: pack.id, name: pack.name, units: pack.units },
        packs: choices.length > 1 ? choices.map((k) => ({ id: k.id, name: k.name, units: k.units, unitPrice: k.unitPrice, selected: k.id === pack.id })) : [],
        quantity: r.quantity, unitPrice: pack.unitPrice, lineTotal: gross - off,
        discount: asked && off > 0 ? { ...asked, amount: off, label: discountLabel(asked) } : null,
        pinnedLot: pinned?.lotNumber ?? null, warning: pinned ? earlierLotWarning(batches, pinned, day) : null, lots: [], problem: null,
      };
      return { view, pack };
    });
    let problem: { line: number; message: string } | null = null;
    // A pack no longer sold (retired since it was scanned) is said on its line; the sale would refuse it too.
    const stale = views.findIndex((v) => v.pack.retired || !v.pack.sellable);
    const demands = rows.map((r, line) => ({ line, units: views[line]!.pack.units, count: r.quantity, batchId: r.batchId ?? undefined }));
    const result = stale >= 0 ? undefined : allocatePacks(batches, demands, day, boxOf(product)?.units ?? 1);
    if (stale >= 0) {
      const pack = views[stale]!.pack;
      problem = { line: stale, message: pack.units > 1 ? t('sale.pack_not_sellable', { pack: pack.name, name: product.name }) : t('sale.unit_not_sellable', { name: product.name }) };
    } else if (result!.ok) {
      for (const a of result!.allocations) {
        const b = byId.get(a.batchId)!;
        views[a.line]!.view.lots.push({ lotNumber: b.lotNumber, expirationDate: b.expirationDate, quantity: a.count, expiringSoon: expiresWithin(b.expirationDate, day) });
      }
    } else if ('unsellableLot' in result!) {
      const lot = result!.unsellableLot;
      problem = { line: Math.max(0, demands.findIndex((d) => d.batchId === lot.id)), message: t('sale.lot_not_sellable', { lotNumber: lot.lotNumber, name: product.name, why: t('lot.expired') }) };
    } else {
      const { line } = result!;
      const sameSize = demands.filter((d) => d.units === demands[line]!.units).reduce((n, d) => n + d.count, 0);
      const inPacks = boxOf(product) ? unsellable(product, views[line]!.pack, batches, day, sameSize)?.message : undefined;
      problem = { line, message: inPacks ?? t('cart.short', { available: result!.available }) };
    }
    if (problem) views[problem.line]!.view.problem = problem.message;
    return views.map((v) => v.view);
  }

  const service = {
    async cart(sessionHash: string): Promise<CartView> {
      const { version, lines: rows } = await cartWithVersion(db, sessionHash);
      const day = today();
      const productIds = [...new Set(rows.map((r) => r.productId))];
      // One query for every line's product and packs, one for their lots, whatever the number of lines.
      const [products, lots] = rows.length === 0 ? [[], []] : await Promise.all([productsForSale(db, productIds), lotsOfProducts(db, shop.id, productIds)]);
      const views = new Map<string, CartLineView>();
      for (const product of products) {
        const mine = rows.filter((r) => r.productId === product.id);
        for (const v of productLines(product, mine, lots.filter((b) => b.productId === product.id), day)) views.set(v.id, v);
      }
      const lines = rows.flatMap((r) => views.get(r.id) ?? []);
      return { version, lines, total: lines.reduce((s, l) => s + l.lineTotal, 0), units: lines.reduce((s, l) => s + l.quantity, 0) };
    },

    /** A product picked from the results: one of its packs (its default one when none is named), maybe of a named lot. */
    async add(sessionHash: string, productId: string, batchId: string | null = null, packId: string | null = null): Promise<void> {
      const [product] = await productsForSale(db, [productId]);
      if (!product) throw new AppError(404, 'product_not_found', 'product.not_found'); // a product that does not exist is a 404, not a broken cart
      const pack = packId ? packOfLine(product, packId) : defaultPackOf(product) ?? packOfLine(product, undefined);
      if (batchId && !(await lotsOfProduct(db, shop.id, product.id)).some((b) => b.id === batchId)) throw new AppError(422, 'lot_not_sellable', 'sale.lot_unknown', { name: product.name });
      await putInCart(sessionHash, product, pack, batchId);
    },

    /** A scanner's Enter: a GS1 DataMatrix picks that lot, a GTIN the pack it names (a box's barcode: one box), text searches. */
    async scan(sessionHash: string, code: string): Promise<ScanOutcome> {
      const scan = parseScan(code);
      if (scan.kind === 'invalid') {
        return { kind: 'refused', message: t(`scan.${scan.reason}`, { code: code.trim() }) };
      }
      if (scan.kind === 'text') {
        const results = scan.text ? await catalog.searchProducts(scan.text, 20) : [];
        const only = results.length === 1 ? results[0]! : undefined;
        const pack = only ? defaultPackOf(only) : undefined;
        if (only && pack && only.sellableQuantity >= pack.units) {
          await putInCart(sessionHash, only, pack);
          return { kind: 'added', message: t('scan.added', { name: named(only, pack) }), warning: null };
        }
        return { kind: 'results', results };
      }
      const found = await packOfGtin(db, gtin14(scan.gtin));
      if (!found) return { kind: 'refused', message: t('scan.unknown_gtin', { gtin: scan.gtin }) };
      const { product, pack } = found;
      if (!product.active) return { kind: 'refused', message: t('product.inactive', { name: product.name }) };
      if (pack.retired || !pack.sellable) return { kind: 'refused', message: t('sale.pack_not_sellable', { pack: pack.name, name: product.name }) };
      const day = today();
      const batches = await lotsOfProduct(db, shop.id, product.id);
      if (scan.kind === 'gtin' || !scan.lot) {
        // A barcode names the pack: refused here, with the reason (a recall's own), when no lot of it can give one.
        const refusal = unsellable(product, pack, batches, day);
        if (refusal) return { kind: 'refused', message: refusal.message };
        await putInCart(sessionHash, product, pack);
        return { kind: 'added', message: t('scan.added', { name: named(product, pack) }), warning: null };
      }
      const lot = batches.find((b) => b.lotNumber === scan.lot);
      const names = { lot: scan.lot, name: named(product, pack) };
      if (!lot) return { kind: 'refused', message: t('scan.unknown_lot', names) };
      if (lot.status === 'recalled') return { kind: 'refused', message: t('scan.lot_recalled', { ...names, reason: lot.statusReason ?? '' }) };
      if (lot.status === 'quarantined') return { kind: 'refused', message: t('scan.lot_quarantined', names) };
      if (lot.expirationDate < day) return { kind: 'refused', message: t('scan.lot_expired', { ...names, date: formatDateFr(lot.expirationDate) }) };
      if (lot.quantity < pack.units) return { kind: 'refused', message: t('scan.lot_empty', names) };
      await putInCart(sessionHash, product, pack, lot.id);
      return { kind: 'added', message: t('scan.added_lot', names), warning: earlierLotWarning(batches, lot, day) };
    },

    /** The cashier switches a line to another pack of its product (or to its base unit); the count stays. */
    async setPack(sessionHash: string, lineId: string, packId: string): Promise<void> {
      const line = await cartLine(db, sessionHash, lineId);
      if (!line) return; // paid or removed meanwhile: the cart shown next says so
      const [product] = await productsForSale(db, [line.productId]);
      const pack = packOfLine(product!, packId);
      await changeCart(sessionHash, (tx) => setCartPack(tx, sessionHash, lineId, pack.id === unitPackOf(product!).id ? null : pack.id));
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
      const { lines } = await cartWithVersion(db, sessionHash);
      if (lines.length === 0) throw new AppError(422, 'empty_cart', 'sale.empty');
      return sales.recordSale(
        {
          lines: lines.map((l) => ({
            productId: l.productId, quantity: l.quantity, ...(l.packId ? { packId: l.packId } : {}), ...(l.batchId ? { batchId: l.batchId } : {}),
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
