import type { Actor, Deps } from '../context.js';
import type { Db, Queryable, Tx } from '../db/pool.js';
import { uniqueViolation } from '../db/errors.js';
import {
  addAgeing, ageingOf, allocate, balanceOf, creditRefusal, isOverdue, noAgeing, openSales, statementOf,
  type Ageing, type Allocation, type LedgerEntry,
} from '../domain/account.js';
import { paymentReceiptModel } from '../domain/account-documents.js';
import { dateInZone, formatDateTimeFr, type IsoDate } from '../domain/dates.js';
import { formatFcfa } from '../domain/money.js';
import type { ReceiptModel } from '../domain/receipt.js';
import { shopLines } from '../domain/receipt.js';
import { hasRole } from '../domain/roles.js';
import { foldForSearch, likePattern, searchWords } from '../domain/search.js';
import { AppError, notFound } from '../errors.js';
import { t } from '../i18n/fr.js';
import { newId } from '../ids.js';
import { stampTransaction } from '../outbox/clock.js';
import { appendFeed, appendOutbox } from '../outbox/queries.js';
import type { ReceiptsService } from '../receipts/service.js';
import { shopById } from '../shops/queries.js';
import {
  creditApprovalsOfSession,
  customerAnyShop,
  customerById,
  customerByPhone,
  customersOfShop,
  entriesOfCustomer,
  entriesOfSale,
  entriesOfShop,
  entryById,
  insertCustomer,
  insertEntry,
  paymentsOfSession,
  searchCustomers,
  setLimitAtHq,
  takeReglementNumber,
  updateCustomer,
  type AccountEntry,
  type Customer,
  type CustomerWithBalance,
  type EntryRow,
  type EntryWithDocument,
} from './queries.js';
import type { AccountPaymentInput, CustomerInput, CustomerPatch, WriteOffInput } from './schemas.js';
import { statementPdf } from './statement-pdf.js';

/** What accounts need of other features: the cashier's drawer, a manager's approval, the printer. */
export interface AccountSeats {
  openSession(tx: Tx, actor: Actor, terminal: string): Promise<string | undefined>;
  sessionForSale(tx: Tx, actor: Actor, terminal: string): Promise<string>;
  approver(pin: string, client: string): Promise<Actor>;
  receipts(): ReceiptsService;
}

/** « 77 123 45 67 » and « 771234567 » are one phone: digits only, a leading + kept. */
export const normalisePhone = (phone: string | undefined | null): string | null => {
  if (!phone) return null;
  const digits = phone.replace(/[^\d]/g, '');
  if (!digits) return null;
  return phone.trim().startsWith('+') ? `+${digits}` : digits;
};

const searchTextOf = (c: { name: string; phone: string | null }) => foldForSearch(`${c.name} ${c.phone ?? ''}`);

/** The row as it travels: everything but the clock. */
const wire = ({ hlc: _hlc, limitByHq: _hq, ...c }: Customer) => c;
const wireEntry = ({ hlc: _hlc, ...e }: AccountEntry) => e;

const formatReglementNumber = (code: string, n: number) => `${code}-RG${String(n).padStart(6, '0')}`;

/** The ledger's entries as the domain reads them, each on its shop's calendar day. */
const asLedger = (entries: readonly AccountEntry[], timezone: string): LedgerEntry[] =>
  entries.map((e) => ({ kind: e.kind, amount: e.amount, saleId: e.saleId, allocations: e.allocations, day: dateInZone(e.createdAt, timezone) }));

/** A customer's credit refused, with the balance shown: « Ardoise de Awa Diop : 12 000 FCFA dus, plafond 15 000 FCFA… » */
function creditRefusalError(why: 'blocked' | 'over_limit', c: Customer, balance: number, amount: number): AppError {
  const params = { name: c.name, balance: formatFcfa(balance), limit: formatFcfa(c.creditLimit), amount: formatFcfa(amount) };
  return why === 'blocked'
    ? new AppError(403, 'credit_needs_manager', 'credit.blocked', params, { customerId: c.id, balance, why })
    : new AppError(403, 'credit_needs_manager', 'credit.over_limit', params, { customerId: c.id, balance, why });
}

/** A credit sale being recorded: what the sales feature holds between its check and its write. */
export interface CreditHold {
  customer: Customer;
  amount: number;
  balance: number;
  approvedBy: Actor | null;
}

/**
 * Customer accounts: customers, their ledger (credit sales, payments on
 * account in the cashier's drawer, credit returns, write-offs, voided credit
 * sales), ageing and statements. Every entry is a row that travels to head
 * office; a balance is never stored, always the sum of its entries.
 */
export function accountsService({ db, shop, now, logger, bus }: Deps, seats: AccountSeats) {
  const today = () => dateInZone(now(), shop.timezone);

  async function ledgerOf(q: Queryable, customerId: string) {
    const entries = await entriesOfCustomer(q, customerId);
    const ledger = asLedger(entries, shop.timezone);
    return { entries, ledger, balance: balanceOf(ledger), open: openSales(ledger) };
  }

  async function customerOr404(q: Queryable, id: string, lock: '' | ' for update' = ''): Promise<Customer> {
    const c = await customerById(q, shop.id, id, lock);
    if (!c) throw notFound('credit.customer_not_found');
    return c;
  }

  async function phoneFree(q: Queryable, phone: string | null, self: string | null): Promise<void> {
    if (!phone) return;
    const other = await customerByPhone(q, shop.id, phone);
    if (other && other.id !== self) throw new AppError(409, 'phone_taken', 'credit.phone_taken', { phone, name: other.name }, { customerId: other.id });
  }

  /** A credit entry (payment, return, write-off, void) written with its allocations and the balance after it. */
  async function writeCredit(tx: Tx, e: Omit<EntryRow, 'shopId' | 'hlc' | 'createdAt' | 'balanceAfter'> & { balanceBefore: number }, hlc: string): Promise<AccountEntry> {
    const { balanceBefore, ...rest } = e;
    const row: EntryRow = { ...rest, shopId: shop.id, balanceAfter: balanceBefore - e.amount, hlc, createdAt: now() };
    await insertEntry(tx, row);
    await appendOutbox(tx, [{ entity: 'account_entry', entityId: row.id, op: 'insert', payload: wireEntry(row), hlc }]);
    return row;
  }

  /** The same id sent again (a slow link, a retry after a power cut): the entry as recorded, or a refusal if it differs. */
  async function replayed(tx: Queryable, id: string | undefined, expect: { customerId: string; kind: AccountEntry['kind']; amount: number }): Promise<AccountEntry | undefined> {
    if (!id) return undefined;
    const held = await entryById(tx, shop.id, id);
    if (!held) return undefined;
    if (held.customerId !== expect.customerId || held.kind !== expect.kind || held.amount !== expect.amount) {
      throw new AppError(409, 'id_reused', 'credit.id_reused');
    }
    return held;
  }

  const service = {
    /** A new account; a manager sets its credit limit (a cashier opens it at 0). The same id twice makes one. */
    async createCustomer(input: CustomerInput, actor: Actor): Promise<{ customer: Customer; created: boolean }> {
      if ((input.creditLimit ?? 0) > 0 && !hasRole(actor.role, 'manager')) throw new AppError(403, 'forbidden', 'credit.limit_manager');
      const phone = normalisePhone(input.phone);
      const id = input.id ?? newId();
      try {
        return await db.withTransaction(async (tx) => {
          const held = await customerById(tx, shop.id, id);
          if (held) return { customer: held, created: false };
          await phoneFree(tx, phone, null);
          const hlc = await stampTransaction(tx, now());
          const fields = {
            name: input.name, phone, employer: input.employer ?? null, insurer: input.insurer ?? null, memberNumber: input.memberNumber ?? null,
            creditLimit: input.creditLimit ?? 0, blocked: false, notes: input.notes ?? '',
          };
          const customer = await insertCustomer(tx, { id, shopId: shop.id, ...fields, searchText: searchTextOf(fields), hlc, createdAt: now() });
          if (!customer) throw new AppError(409, 'id_reused', 'credit.id_reused');
          await appendOutbox(tx, [{ entity: 'customer', entityId: id, op: 'insert', payload: wire(customer), hlc }]);
          return { customer, created: true };
        });
      } catch (err) {
        // Two tills typing the same phone at once: the unique index says what the check could not see.
        if (uniqueViolation(err)) throw new AppError(409, 'phone_taken', 'credit.phone_taken', { phone: phone ?? '', name: '' });
        throw err;
      }
    },

    /** A manager's changes: limit, blocked, details. The whole row travels (the shop owns it). */
    async updateCustomer(id: string, patch: CustomerPatch): Promise<Customer> {
      return db.withTransaction(async (tx) => {
        const current = await customerOr404(tx, id, ' for update');
        const phone = patch.phone === undefined ? current.phone : normalisePhone(patch.phone);
        await phoneFree(tx, phone, id);
        const next = {
          name: patch.name ?? current.name, phone,
          employer: patch.employer === undefined ? current.employer : patch.employer || null,
          insurer: patch.insurer === undefined ? current.insurer : patch.insurer || null,
          memberNumber: patch.memberNumber === undefined ? current.memberNumber : patch.memberNumber || null,
          creditLimit: patch.creditLimit ?? current.creditLimit, blocked: patch.blocked ?? current.blocked, notes: patch.notes ?? current.notes,
        };
        const hlc = await stampTransaction(tx, now(), [current.hlc]);
        const updated = await updateCustomer(tx, id, { ...next, searchText: searchTextOf(next), hlc });
        await appendOutbox(tx, [{ entity: 'customer', entityId: id, op: 'update', payload: wire(updated), hlc }]);
        return updated;
      });
    },

    /** By name or phone, every word typed (accents and case ignored); the phone also as digits. */
    async search(q: string, limit = 50): Promise<CustomerWithBalance[]> {
      const words = searchWords(q);
      const digits = q.replace(/[^\d]/g, '');
      const patterns = words.length === 0 ? ['%'] : /^[\d\s.+\-()]+$/.test(q.trim()) && digits ? [likePattern(digits)] : words.map(likePattern);
      return searchCustomers(db, shop.id, patterns, limit);
    },

    /** A customer with balance, ageing, every entry and the credit sales still open. */
    async customer(id: string) {
      const customer = await customerOr404(db, id);
      const { entries, ledger, balance, open } = await ledgerOf(db, id);
      const numbers = new Map(entries.filter((e) => e.kind === 'sale').map((e) => [e.saleId!, e.saleNumber]));
      return {
        ...customer, balance, ageing: ageingOf(ledger, today()), entries,
        openSales: open.map((s) => ({ ...s, number: numbers.get(s.saleId) ?? null })),
        overLimit: balance > customer.creditLimit,
      };
    },

    /** Every customer with a balance, their ageing, the totals, and who is over their limit or overdue. */
    async receivables() {
      const [customers, entries] = await Promise.all([customersOfShop(db, shop.id), entriesOfShop(db, shop.id)]);
      return receivablesOf(customers, entries, shop.timezone, today());
    },

    // --- In a sale's transaction (the sales feature calls these) ---

    /**
     * Before the receipt number: the customer's row is locked (two tills cannot both take the last of a limit), and a
     * credit over the limit, or to a blocked customer, is refused with the balance unless a manager allowed it.
     */
    async holdCredit(tx: Tx, q: { customerId: string | undefined; amount: number; approver: Actor | null }): Promise<CreditHold> {
      if (!q.customerId) throw new AppError(422, 'credit_customer_required', 'credit.customer_required');
      const customer = await customerById(tx, shop.id, q.customerId, ' for update');
      if (!customer) throw new AppError(422, 'credit_customer_unknown', 'credit.customer_not_found');
      const { balance } = await ledgerOf(tx, customer.id);
      const why = creditRefusal({ balance, amount: q.amount, limit: customer.creditLimit, blocked: customer.blocked });
      if (why && !q.approver) throw creditRefusalError(why, customer, balance, q.amount);
      return { customer, amount: q.amount, balance, approvedBy: why ? q.approver : null };
    },

    /** After the sale's row: the credit sale's entry, with the balance it leaves. */
    async recordCreditSale(tx: Tx, hold: CreditHold, sale: { id: string }, actor: Actor, hlc: string): Promise<AccountEntry> {
      const row: EntryRow = {
        id: newId(), shopId: shop.id, customerId: hold.customer.id, kind: 'sale', amount: hold.amount, saleId: sale.id, returnId: null,
        sessionId: null, method: null, operator: null, reference: null, number: null, allocations: [], reason: null,
        balanceAfter: hold.balance + hold.amount, userId: actor.id, userName: actor.name,
        approvedBy: hold.approvedBy?.id ?? null, approvedByName: hold.approvedBy?.name ?? null, hlc, createdAt: now(),
      };
      await insertEntry(tx, row);
      await appendOutbox(tx, [{ entity: 'account_entry', entityId: row.id, op: 'insert', payload: wireEntry(row), hlc }]);
      return row;
    },

    /**
     * A voided credit sale gives its credit back, paying off what it left due
     * first (what was already paid of it stays to the customer's credit). The
     * customer is locked now, before the clock; the entry is written with it.
     */
    async saleVoiding(tx: Tx, saleId: string, actor: Actor): Promise<(hlc: string) => Promise<void>> {
      const [credit] = (await entriesOfSale(tx, saleId)).filter((e) => e.kind === 'sale');
      if (!credit) return async () => undefined;
      await customerById(tx, shop.id, credit.customerId, ' for update');
      const { balance, open } = await ledgerOf(tx, credit.customerId);
      const due = open.find((s) => s.saleId === saleId)?.due ?? 0;
      const allocations: Allocation[] = due > 0 ? [{ saleId, amount: Math.min(due, credit.amount) }] : [];
      return async (hlc) => {
        await writeCredit(tx, {
          id: newId(), customerId: credit.customerId, kind: 'void', amount: credit.amount, saleId, returnId: null, sessionId: null, method: null,
          operator: null, reference: null, number: null, allocations, reason: null, userId: actor.id, userName: actor.name, approvedBy: null,
          approvedByName: null, balanceBefore: balance,
        }, hlc);
      };
    },

    /**
     * A return of a credit sale puts `amount` back on the account: its own
     * sale first, then the oldest. The customer is locked now, before the
     * clock; the entry is written once the return's row exists.
     */
    async returnCrediting(tx: Tx, q: { saleId: string; amount: number }, actor: Actor): Promise<(returnId: string, hlc: string) => Promise<void>> {
      const [credit] = (await entriesOfSale(tx, q.saleId)).filter((e) => e.kind === 'sale');
      if (!credit || q.amount <= 0) return async () => undefined;
      await customerById(tx, shop.id, credit.customerId, ' for update');
      const { balance, open } = await ledgerOf(tx, credit.customerId);
      const { allocations } = allocate(q.amount, open, [q.saleId]);
      return async (returnId, hlc) => {
        await writeCredit(tx, {
          id: newId(), customerId: credit.customerId, kind: 'return', amount: q.amount, saleId: q.saleId, returnId, sessionId: null,
          method: null, operator: null, reference: null, number: null, allocations, reason: null, userId: actor.id, userName: actor.name,
          approvedBy: null, approvedByName: null, balanceBefore: balance,
        }, hlc);
      };
    },

    /** What a credit sale's receipt says of the account: the customer, what the sale left due, the balance after it. */
    async receiptLine(saleId: string): Promise<{ customerName: string; due: number; balance: number } | undefined> {
      const [credit] = (await entriesOfSale(db, saleId)).filter((e) => e.kind === 'sale');
      if (!credit) return undefined;
      const customer = await customerById(db, shop.id, credit.customerId);
      return { customerName: customer?.name ?? '', due: credit.amount, balance: credit.balanceAfter };
    },

    /** A session's payments on account, for its X and Z reports. */
    ofSession: paymentsOfSession,
    creditApprovalsOf: creditApprovalsOfSession,

    // --- At the till ---

    /**
     * A payment on account (« règlement ») into the cashier's open session:
     * the sales the cashier picked first, then the oldest open ones; never
     * more than owed unless the shop allows an advance. The id the page made
     * applies it once; sent again, the payment as recorded is answered.
     */
    async takePayment(customerId: string, input: AccountPaymentInput, actor: Actor): Promise<{ entry: AccountEntry; created: boolean }> {
      if (input.method === 'mobile_money' && !input.reference) throw new AppError(422, 'mobile_money_incomplete', 'credit.mobile_reference');
      const terminal = input.terminal ?? t('session.default_terminal');
      const settings = (await shopById(db, shop.id))!;
      const result = await db.withTransaction(async (tx) => {
        // As a sale: the session (for share) first, then the customer, the counter, and the clock last.
        const open = await seats.openSession(tx, actor, terminal);
        await customerOr404(tx, customerId, ' for update');
        const again = await replayed(tx, input.id, { customerId, kind: 'payment', amount: input.amount });
        if (again) return { entry: again, created: false };
        const { balance, open: dues } = await ledgerOf(tx, customerId);
        if (input.amount > balance && !settings.allowAdvance) {
          throw new AppError(422, 'payment_exceeds_balance', 'credit.payment_exceeds', { amount: formatFcfa(input.amount), balance: formatFcfa(balance) });
        }
        const picked = input.saleIds ?? [];
        const unknown = picked.find((id) => !dues.some((s) => s.saleId === id));
        if (unknown) throw new AppError(422, 'sale_not_open', 'credit.sale_not_open', {}, { saleId: unknown });
        const { allocations } = allocate(input.amount, dues, picked);
        const number = formatReglementNumber(shop.code, await takeReglementNumber(tx, shop.id));
        const sessionId = open ?? (await seats.sessionForSale(tx, actor, terminal));
        const hlc = await stampTransaction(tx, now());
        const entry = await writeCredit(tx, {
          id: input.id ?? newId(), customerId, kind: 'payment', amount: input.amount, saleId: null, returnId: null, sessionId,
          method: input.method, operator: input.method === 'mobile_money' ? (input.operator ?? null) : null, reference: input.reference ?? null,
          number, allocations, reason: null, userId: actor.id, userName: actor.name, approvedBy: null, approvedByName: null, balanceBefore: balance,
        }, hlc);
        return { entry, created: true };
      });
      if (result.created) {
        bus?.committed('sale');
        if (settings.printerKind !== 'none') seats.receipts().printModelInBackground(await service.paymentReceipt(result.entry.id), result.entry.number!);
        logger.info({ entryId: result.entry.id, number: result.entry.number }, 'payment on account taken');
      }
      return result;
    },

    /** A manager writes off what a customer will not pay, with a reason; the oldest sales first. */
    async writeOff(customerId: string, input: WriteOffInput, actor: Actor): Promise<{ entry: AccountEntry; created: boolean }> {
      if (!hasRole(actor.role, 'manager')) throw new AppError(403, 'forbidden', 'credit.write_off_manager');
      return db.withTransaction(async (tx) => {
        await customerOr404(tx, customerId, ' for update');
        const again = await replayed(tx, input.id, { customerId, kind: 'write_off', amount: input.amount });
        if (again) return { entry: again, created: false };
        const { balance, open } = await ledgerOf(tx, customerId);
        if (input.amount > balance) throw new AppError(422, 'write_off_exceeds', 'credit.write_off_exceeds', { amount: formatFcfa(input.amount), balance: formatFcfa(balance) });
        const hlc = await stampTransaction(tx, now());
        const entry = await writeCredit(tx, {
          id: input.id ?? newId(), customerId, kind: 'write_off', amount: input.amount, saleId: null, returnId: null, sessionId: null, method: null,
          operator: null, reference: null, number: null, allocations: allocate(input.amount, open).allocations, reason: input.reason,
          userId: actor.id, userName: actor.name, approvedBy: actor.id, approvedByName: actor.name, balanceBefore: balance,
        }, hlc);
        return { entry, created: true };
      });
    },

    /** The payment's receipt, laid out as a ticket (58/80 mm, the same printing paths as a sale's). */
    async paymentReceipt(entryId: string): Promise<ReceiptModel> {
      const entry = await entryById(db, shop.id, entryId);
      if (!entry || entry.kind !== 'payment') throw notFound('credit.payment_not_found');
      const [customer, settings, entries] = await Promise.all([customerOr404(db, entry.customerId), shopById(db, shop.id), entriesOfCustomer(db, entry.customerId)]);
      const numbers = new Map(entries.filter((e) => e.kind === 'sale').map((e) => [e.saleId!, e.saleNumber ?? '']));
      return paymentReceiptModel({
        shop: { ...settings!, timezone: shop.timezone }, customer,
        payment: { ...entry, number: entry.number!, method: entry.method!, balanceAfter: entry.balanceAfter },
        paidOff: entry.allocations.map((a) => ({ number: numbers.get(a.saleId) ?? '', amount: a.amount })),
      });
    },

    async paymentReceiptPdf(entryId: string): Promise<{ pdf: Buffer; number: string }> {
      const model = await service.paymentReceipt(entryId);
      const settings = (await shopById(db, shop.id))!;
      return { pdf: await seats.receipts().renderPdf(model, settings.receiptWidthMm), number: model.code };
    },

    /** The statement of a period (this month by default) as an A4 PDF. */
    async statement(customerId: string, q: { from?: string | undefined; to?: string | undefined }): Promise<{ pdf: Buffer; name: string }> {
      const customer = await customerOr404(db, customerId);
      const to = q.to ?? today();
      const from = q.from ?? `${to.slice(0, 8)}01`;
      const [entries, settings] = await Promise.all([entriesOfCustomer(db, customerId), shopById(db, shop.id)]);
      const dated = entries.map((e) => ({ ...e, day: dateInZone(e.createdAt, shop.timezone) }));
      const s = statementOf(dated, from, to);
      const pdf = await statementPdf({
        shop: { name: settings!.name, lines: shopLines(settings!) }, customer, from, to, opening: s.opening, closing: s.closing,
        lines: s.rows.map((r) => ({ ...r.entry, signed: r.signed, balance: r.balance })),
        printedOn: formatDateTimeFr(now(), shop.timezone),
      });
      return { pdf, name: `releve-${from}-${to}` };
    },
  };
  return service;
}

export type AccountsService = ReturnType<typeof accountsService>;

/** Customers with their balances and ageing, the totals, and who is over the limit or overdue. */
function receivablesOf(customers: readonly CustomerWithBalance[], entries: readonly AccountEntry[], timezone: string, today: IsoDate) {
  const byCustomer = new Map<string, AccountEntry[]>();
  for (const e of entries) {
    const list = byCustomer.get(e.customerId);
    if (list) list.push(e);
    else byCustomer.set(e.customerId, [e]);
  }
  let total = noAgeing();
  const rows = customers.map((c) => {
    const ageing = ageingOf(asLedger(byCustomer.get(c.id) ?? [], timezone), today);
    total = addAgeing(total, ageing);
    return { ...c, ageing, overLimit: c.balance > c.creditLimit, overdue: isOverdue(ageing) };
  });
  return {
    customers: rows,
    total: { balance: rows.reduce((s, r) => s + r.balance, 0), ageing: total },
    attention: rows.filter((r) => r.balance > 0 && (r.overLimit || r.overdue)),
  };
}

/** Head office's seat: every shop's customers, balances and entries, as pushed. */
export function accountsAtHq({ db, now }: { db: Db; now: () => Date }) {
  return {
    async setLimit(shopId: string, customerId: string, creditLimit: number): Promise<Customer> {
      return db.withTransaction(async (tx) => {
        const c = await customerAnyShop(tx, customerId, ' for update');
        if (!c || c.shopId !== shopId) throw notFound('credit.customer_not_found');
        // Stamped by head office above the shop's clock of the row: its decision is the later one.
        const hlc = await stampTransaction(tx, now(), [c.hlc]);
        const updated = await setLimitAtHq(tx, customerId, creditLimit, hlc);
        // Down the shop's feed: its till checks head office's limit from its next pull.
        await appendFeed(tx, [{ shopId, originShopId: null, entity: 'customer_limit', entityId: customerId, hlc, payload: { id: customerId, creditLimit } }]);
        return updated;
      });
    },
    async receivables(shop: { id: string; timezone: string }, today: IsoDate) {
      const [customers, entries] = await Promise.all([customersOfShop(db, shop.id), entriesOfShop(db, shop.id)]);
      return receivablesOf(customers, entries, shop.timezone, today);
    },
    entriesOf: (customerId: string): Promise<EntryWithDocument[]> => entriesOfCustomer(db, customerId),
  };
}

export type { Ageing };
