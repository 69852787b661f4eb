import type { Actor, Deps } from '../context.js';
import type { Tx } from '../db/pool.js';
import { RECEIPT_PRINT_QUEUE } from '../job-queue.js';
import { receiptModel, type ReceiptModel, type ReceiptSource } from '../domain/receipt.js';
import { newId } from '../ids.js';
import { t } from '../i18n/fr.js';
import type { SaleWithItems } from '../sales/service.js';
import { shopById, type Shop } from '../shops/queries.js';
import { printCups } from './cups.js';
import { printEscpos } from './escpos.js';
import { shopPrinterTarget } from './network.js';
import { receiptPdf } from './pdf.js';
import { printsOfSale, recordPrint, successfulPrints, type ReceiptPrint } from './queries.js';

/** A credit sale's line on its receipt: the customer's account (the accounts feature answers it). */
export type CreditLine = (saleId: string) => Promise<ReceiptSource['account']>;

/** What receipts need of the sales feature: a sale with its lines (given by the wiring, so receipts read no sales SQL). */
export interface ReceiptSeats {
  sale(id: string): Promise<SaleWithItems>;
}

export function receiptsService({ db, shop, logger, bus, jobs }: Deps, seats: ReceiptSeats, creditLine: CreditLine = async () => undefined) {
  const pending = new Set<Promise<unknown>>();

  let closing = false;

  async function load(saleId: string): Promise<{ model: ReceiptModel; settings: Shop; number: string }> {
    const [sale, settings, done, account] = await Promise.all([seats.sale(saleId), shopById(db, shop.id), successfulPrints(db, saleId), creditLine(saleId)]);
    const model = receiptModel({ shop: { ...settings!, timezone: shop.timezone }, sale, items: sale.items, duplicate: done > 0, account });
    return { model, settings: settings!, number: sale.number };
  }

  /**
   * Sends a document laid out as a receipt to the configured printer; the
   * failure's message when it could not (logged, and told to the tills).
   */
  async function sendToPrinter(model: ReceiptModel, settings: Shop, label: string): Promise<string | null> {
    try {
      // Checked again here: a target stored before the check existed (or by hand) is never opened, and a printer's
      // name is resolved now and connected to by the address checked, never followed off the shop's network.
      const target = (await shopPrinterTarget(settings.printerKind, settings.printerTarget)).connect;
      if (settings.printerKind === 'escpos') await printEscpos(model, target, settings.receiptWidthMm);
      else await printCups(await receiptPdf(model, settings.receiptWidthMm), target);
      return null;
    } catch (err) {
      const error = (err as Error).message || String(err);
      logger.warn({ document: label, channel: settings.printerKind, target: settings.printerTarget, err: error }, 'print failed');
      bus?.printFailed(t('receipt.print_failed', { number: label, reason: error }));
      return error;
    }
  }

  /** Sends one receipt to the configured printer; a failure is recorded and logged, never thrown. */
  async function printNow(saleId: string, actor: Actor): Promise<ReceiptPrint['status']> {
    // No printer, nothing to load: the till shows the receipt itself.
    if ((await shopById(db, shop.id))?.printerKind === 'none') return 'done';
    const { model, settings, number } = await load(saleId);
    if (settings.printerKind === 'none') return 'done';
    const error = await sendToPrinter(model, settings, number);
    await recordPrint(db, { id: newId(), saleId, userId: actor.id, channel: settings.printerKind, status: error ? 'failed' : 'done', error });
    return error ? 'failed' : 'done';
  }

  /** Any other document laid out as a receipt (a Z report, a credit note); a failure is logged and told, never thrown. */
  async function printModel(model: ReceiptModel, label: string): Promise<void> {
    const settings = (await shopById(db, shop.id))!;
    if (settings.printerKind !== 'none') await sendToPrinter(model, settings, label);
  }

  return {
    renderPdf: receiptPdf,

    /** After a commit: the document prints without making the till wait; shutdown waits for it. */
    printModelInBackground(model: ReceiptModel, label: string): void {
      if (closing) return;
      const job = printModel(model, label).catch((err: unknown) => logger.error({ err, document: label }, 'document print crashed'));
      pending.add(job);
      void job.finally(() => pending.delete(job));
    },

    /** The PDF, the reference copy. The first one handed out is the original; later ones say DUPLICATA. */
    async pdf(saleId: string, actor: Actor): Promise<{ pdf: Buffer; number: string }> {
      const { model, settings, number } = await load(saleId);
      const pdf = await receiptPdf(model, settings.receiptWidthMm);
      await recordPrint(db, { id: newId(), saleId, userId: actor.id, channel: 'pdf', status: 'done', error: null });
      return { pdf, number };
    },

    printNow,

    /** What the receipt says, to show in the till's page (no copy is counted: the PDF and the printer count). */
    // Built from the sale just recorded and the settings already read: nothing is read again after the commit.
    preview: (sale: ReceiptSource['sale'] & { items: ReceiptSource['items'] }, settings: Shop, account?: ReceiptSource['account']): ReceiptModel =>
      receiptModel({ shop: { ...settings, timezone: shop.timezone }, sale, items: sale.items, duplicate: false, account }),

    /**
     * In the sale's own transaction: the print is a pg-boss job that exists
     * with the sale, so a power cut right after the sale still prints (or
     * records why not) at the next start. Without pg-boss (a script, a test),
     * returns false and the caller prints after the commit.
     */
    async queuePrint(tx: Tx, sale: { id: string; printerKind: Shop['printerKind'] }, actor: Actor): Promise<boolean> {
      if (!jobs?.attached) return false;
      if (sale.printerKind === 'none') return true; // nothing to print: no job
      await jobs.sendInTransaction(tx, RECEIPT_PRINT_QUEUE, { saleId: sale.id, actor: { id: actor.id, name: actor.name, role: actor.role } });
      return true;
    },

    /** After a sale commits: print without making the till wait; shutdown waits for it. */
    printInBackground(saleId: string, actor: Actor): void {
      if (closing) {
        // The server is stopping and its database with it: the sale stands, its receipt is reprinted from Ventes.
        logger.warn({ saleId }, 'receipt not printed: the server is stopping');
        return;
      }
      const job = printNow(saleId, actor).catch((err: unknown) => logger.error({ err, saleId }, 'receipt print crashed'));
      pending.add(job);
      void job.finally(() => pending.delete(job));
    },

    /** Every print under way ends, those started while waiting too. */
    async drain(): Promise<void> {
      while (pending.size > 0) await Promise.all([...pending]);
    },

    /** Shutdown: the prints under way end before the pool closes, and no new one starts. */
    async close(): Promise<void> {
      closing = true;
      while (pending.size > 0) await Promise.all([...pending]);
    },

    async prints(saleId: string): Promise<ReceiptPrint[]> {
      await seats.sale(saleId); // a sale of another shop, or none, is not found
      return printsOfSale(db, saleId);
    },
  };
}

export type ReceiptsService = ReturnType<typeof receiptsService>;
