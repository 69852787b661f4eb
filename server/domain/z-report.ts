import { t } from '../i18n/fr.js';
import type { CashReport, PerMethod } from './cash-report.js';
import { formatDateTimeFr } from './dates.js';
import { formatFcfa } from './money.js';
import { packLabel } from './packs.js';
import { shopLines, type ReceiptModel, type ReceiptSection } from './receipt.js';
import { netTakings } from './takings.js';
import { PAYMENT_METHODS } from './tender.js';

export interface ZSource {
  shop: { name: string; address: string; phone: string; taxId: string; timezone: string };
  session: {
    terminal: string;
    cashierName: string;
    openedAt: Date;
    closedAt: Date | null;
    closedByName: string | null;
    zNumber: string | null;
    counted: PerMethod | null;
    closingComment: string | null;
  };
  movements: readonly { kind: 'in' | 'out'; amount: number; reason: string; userName: string; expenseId?: string | null }[];
  report: CashReport;
  /** What the session's completed sales took, per product and pack (packs counted as sold). */
  articles?: readonly { productName: string; packName: string; packUnits: number; packs: number }[] | undefined;
  /** When an X report is printed (a Z is dated by its closing). */
  at: Date;
}

const money = formatFcfa;

/**
 * The X (open session) or Z (closed) report, as a receipt model: the same
 * PDF and ESC/POS layouts print it on the counter's printer.
 */
export function zReportModel({ shop, session, movements, report: r, at, articles = [] }: ZSource): ReceiptModel {
  const z = session.zNumber;
  const when = (d: Date) => formatDateTimeFr(d, shop.timezone);
  // Head office's Ventes shows each shop's day with the same function.
  const { byMethod } = netTakings(r.salesByMethod, r.refundsByMethod);
  const sections: ReceiptSection[] = [
    {
      heading: t('session.sec_sales'),
      rows: [
        { label: t('session.sales_count'), amount: String(r.salesCount) },
        { label: t('session.gross'), amount: money(r.grossSales) },
        { label: t('session.discounts'), amount: money(-r.discounts) },
        { label: t('session.rounding'), amount: money(r.rounding) },
        { label: t('session.returns', { count: r.returnsCount }), amount: money(-r.refunds) },
        { label: t('session.voids', { count: r.voidsCount }), amount: money(r.voidsAmount) },
        { label: t('session.net'), amount: money(r.netSales - r.refunds), strong: true },
        // Sold on credit: in the sales, in no drawer.
        ...(r.creditSales > 0 || r.creditReturns > 0
          ? [{ label: t('credit.z_credit_sales'), amount: money(r.creditSales) }, { label: t('credit.z_credit_returns'), amount: money(-r.creditReturns) }]
          : []),
      ],
    },
    {
      heading: t('session.sec_methods'),
      rows: PAYMENT_METHODS.flatMap((m) => [
        { label: t(`payment.${m}`), amount: money(byMethod[m].net), strong: true },
        ...(byMethod[m].refunds > 0
          ? [{ label: t('session.method_sales'), amount: money(byMethod[m].takings) }, { label: t('session.method_refunds'), amount: money(-byMethod[m].refunds) }]
          : []),
      ]),
    },
    ...(r.accountPaymentsCount > 0
      ? [{
          heading: t('credit.z_sec_payments', { count: r.accountPaymentsCount }),
          rows: PAYMENT_METHODS.filter((m) => r.accountPayments[m] > 0).map((m) => ({ label: t(`payment.${m}`), amount: money(r.accountPayments[m]) })),
        }]
      : []),
    {
      heading: t('session.sec_cashiers'),
      rows: r.byCashier.map((c) => ({ label: t('session.cashier_line', { name: c.name, sales: c.sales, returns: c.returns }), amount: money(c.amount - c.refunds) })),
    },
    {
      heading: t('session.sec_cash'),
      rows: [
        { label: t('session.float'), amount: money(r.openingFloat) },
        // Drawer expenses are summed on their own line below.
        ...movements.filter((m) => !m.expenseId).map((m) => ({
          label: t('session.movement_line', { kind: t(`session.kind.${m.kind}`), reason: m.reason, name: m.userName }),
          amount: money(m.kind === 'in' ? m.amount : -m.amount),
        })),
        { label: t('session.cash_sales'), amount: money(r.salesByMethod.cash) },
        { label: t('session.cash_refunds'), amount: money(-r.refundsByMethod.cash) },
        ...(r.accountPayments.cash > 0 ? [{ label: t('credit.z_cash_payments'), amount: money(r.accountPayments.cash) }] : []),
        ...(r.expensesCount > 0 ? [{ label: t('credit.z_expenses', { count: r.expensesCount }), amount: money(-r.expenses) }] : []),
        { label: t('session.expected_cash'), amount: money(r.expected.cash), strong: true },
      ],
    },
  ];
  if (r.approvals.length > 0) {
    sections.push({
      heading: t('session.sec_approvals'),
      rows: r.approvals.map((a) => ({
        label: a.kind === 'discount'
          ? t('session.approval_discount', { number: a.reference, name: a.approvedBy })
          : a.kind === 'credit'
            ? t('session.approval_credit', { number: a.reference, customer: a.customer ?? '', cashier: a.cashier ?? '', name: a.approvedBy })
          : a.kind === 'return'
            ? t('session.approval_return', { number: a.reference, why: a.why.map((w) => t(`session.approval_why.${w}`)).join(', '), name: a.approvedBy })
            : t('session.approval_cash_out', { reason: a.reference, name: a.approvedBy }),
        // A credit took nothing from the drawer: its amount is what the customer owes more.
        amount: money(a.kind === 'credit' ? a.amount : -a.amount),
      })),
    });
  }
  if (articles.length > 0) {
    // « Doliprane 500 mg — Boîte de 30 » × 3: what left the shelves, in the packs it was sold in.
    sections.push({ heading: t('session.sec_articles'), rows: articles.map((a) => ({ label: packLabel(a.productName, a.packName, a.packUnits), amount: `× ${a.packs}` })) });
  }
  if (session.counted) {
    const counted = session.counted;
    sections.push({
      heading: t('session.sec_closing'),
      rows: [
        ...PAYMENT_METHODS.flatMap((m) => [
          { label: t('session.expected_of', { method: t(`payment.${m}`) }), amount: money(r.expected[m]) },
          { label: t('session.counted_of', { method: t(`payment.${m}`) }), amount: money(counted[m]) },
          { label: t('session.variance', { method: t(`payment.${m}`) }), amount: money(counted[m] - r.expected[m]), strong: true },
        ]),
        ...(session.closingComment ? [{ label: t('session.comment', { comment: session.closingComment }), amount: '' }] : []),
      ],
    });
  }
  return {
    title: z ? t('session.z_title', { number: z }) : t('session.x_title'),
    shopName: shop.name,
    shopLines: shopLines({ address: shop.address, taxId: shop.taxId }),
    meta: [
      z ? t('session.z_number', { number: z }) : t('session.x_title'),
      t('session.terminal', { terminal: session.terminal }),
      t('receipt.cashier', { name: session.cashierName }),
      t('session.opened', { date: when(session.openedAt) }),
      session.closedAt ? t('session.closed_on', { date: when(session.closedAt), name: session.closedByName ?? '' }) : t('session.printed_on', { date: when(at) }),
    ],
    lines: [],
    itemCount: '',
    totals: [],
    payment: '',
    sections,
    code: z ?? t('session.x_title'),
    footer: [],
    duplicate: null,
    voided: null,
    voidedOn: null,
  };
}
