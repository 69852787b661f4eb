import type { Response } from 'express';

/** A PDF shown in the browser (a receipt, a credit note, a report): never cached, it may hold a customer's purchase. */
export function sendPdf(res: Response, pdf: Buffer, filename: string): void {
  res.type('application/pdf');
  res.setHeader('Content-Disposition', `inline; filename="${filename}.pdf"`);
  res.setHeader('Cache-Control', 'private, no-store');
  res.send(pdf);
}
