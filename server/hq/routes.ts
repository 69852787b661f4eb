import { Router, type RequestHandler } from 'express';
import { createProductSchema, packSchema, proposalListSchema, updatePackSchema, updateProductSchema } from '../catalog/schemas.js';
import { AppError } from '../errors.js';
import { sendJson } from '../http/compress.js';
import { requireAdminOrShopToken, requireAdminToken, requireShopToken, shopOf, type TokenThrottle } from '../http/bearer.js';
import { idParam } from '../http/params.js';
import { parse } from '../http/validate.js';
import { chainListSchema, suggestionsSchema, conflictsQuerySchema, digestSchema, hqCustomerLimitSchema, hqBatchPatchSchema, pullSchema, pushSchema, recallSchema, registerShopSchema, shopSalesSchema, snapshotSchema } from './schemas.js';
import type { HqService } from './service.js';
import { createSupplierSchema, linkSchema, updateSupplierSchema } from '../suppliers/schemas.js';
import { createStaffSchema, heldValuesQuerySchema, staffListSchema, updateStaffSchema } from './staff-schemas.js';

const code = (req: { params: Record<string, string | string[] | undefined> }) => String(req.params.code ?? '');

/** Head office's API: the sync endpoints for shops, the rest for its administrators. */
export function hqApi(hq: HqService, adminTokenHash: string, tokens: TokenThrottle): Router {
  const admin = requireAdminToken(adminTokenHash, tokens);
  const shop = requireShopToken(hq.shopOfToken, tokens);
  const r = Router();

  r.post('/sync/push', shop, (async (req, res) => {
    res.json(await hq.push(shopOf(req), parse(pushSchema, req.body)));
  }) satisfies RequestHandler);
  r.get('/sync/pull', shop, (async (req, res) => {
    await sendJson(req, res, await hq.pull(shopOf(req), parse(pullSchema, req.query)));
  }) satisfies RequestHandler);

  r.post('/sync/digest', shop, (async (req, res) => {
    res.json(await hq.digest(shopOf(req), parse(digestSchema, req.body)));
  }) satisfies RequestHandler);

  r.get('/sync/snapshot', shop, (async (req, res) => {
    await sendJson(req, res, await hq.snapshotHead(shopOf(req)));
  }) satisfies RequestHandler);
  r.get('/sync/snapshot/:part', shop, (async (req, res) => {
    const q = parse(snapshotSchema, { ...req.query, part: req.params.part });
    await sendJson(req, res, await hq.snapshotPart(shopOf(req), q.part, q.after, q.limit));
  }) satisfies RequestHandler);

  r.post('/shops', admin, async (req, res) => {
    res.status(201).json(await hq.registerShop(parse(registerShopSchema, req.body)));
  });
  r.get('/shops', admin, async (_req, res) => {
    res.json(await hq.shops());
  });
  r.post('/shops/:code/token', admin, async (req, res) => {
    res.status(201).json(await hq.rotateToken(code(req), 'api:admin'));
  });
  r.get('/shops/:code/sales', admin, async (req, res) => {
    res.json(await hq.shopSales(code(req), parse(shopSalesSchema, req.query)));
  });
  r.get('/shops/:code/returns', admin, async (req, res) => {
    res.json(await hq.shopReturns(code(req), parse(shopSalesSchema, req.query)));
  });
  r.get('/shops/:code/cash-movements', admin, async (req, res) => {
    res.json(await hq.shopCashMovements(code(req), parse(shopSalesSchema, req.query)));
  });
  r.get('/shops/:code/sessions', admin, async (req, res) => {
    res.json(await hq.shopSessions(code(req), parse(shopSalesSchema, req.query)));
  });
  r.get('/sales/:id', admin, async (req, res) => {
    res.json(await hq.sale(idParam(req)));
  });
  r.get('/shops/:code/customers', admin, async (req, res) => {
    res.json(await hq.shopCustomers(code(req)));
  });
  r.patch('/shops/:code/customers/:id', admin, async (req, res) => {
    res.json(await hq.setCustomerLimit(code(req), idParam(req), parse(hqCustomerLimitSchema, req.body).creditLimit));
  });
  r.get('/shops/:code/expenses', admin, async (req, res) => {
    res.json(await hq.shopExpenses(code(req), parse(shopSalesSchema, req.query)));
  });
  r.get('/shops/:code/batches', admin, async (req, res) => {
    res.json(await hq.shopBatches(code(req)));
  });
  r.get('/transfers', admin, async (req, res) => {
    const q = parse(chainListSchema, req.query);
    res.json(await hq.transfers(q.shop, q.limit));
  });
  r.get('/transfers/suggestions', admin, async (req, res) => {
    res.json(await hq.transferSuggestions(parse(suggestionsSchema, req.query)));
  });
  r.get('/requisitions', admin, async (req, res) => {
    const q = parse(chainListSchema, req.query);
    res.json(await hq.requisitions(q.shop, q.limit));
  });
  r.get('/stocktakes', admin, async (req, res) => {
    const q = parse(chainListSchema, req.query);
    res.json(await hq.stocktakes(q.shop, q.limit));
  });
  r.get('/shops/:code/refusals', admin, async (req, res) => {
    res.json(await hq.refusals(code(req), parse(shopSalesSchema.pick({ limit: true }), req.query).limit));
  });
  r.get('/shops/:code/held-sales', admin, async (req, res) => {
    res.json(await hq.heldSales(code(req), req.query.all === '1'));
  });
  // Values held for a far-future clock (the due ones are applied as they are listed).
  r.get('/held-values', admin, async (req, res) => {
    const q = parse(heldValuesQuerySchema, req.query);
    res.json(await hq.heldValues.list({ shopId: q.shop ? (await hq.shopByCode(q.shop)).id : undefined, all: q.all === '1' }));
  });
  r.post('/held-values/:id/accept', admin, async (req, res) => {
    const row = await hq.heldValues.accept(idParam(req), 'admin-token');
    res.json({ id: row.id, status: 'applied' });
  });
  r.post('/held-values/:id/discard', admin, async (req, res) => {
    const row = await hq.heldValues.discard(idParam(req), 'admin-token');
    res.json({ id: row.id, status: 'discarded' });
  });
  r.post('/held-sales/:id/release', admin, async (req, res) => {
    res.json(await hq.releaseHeldSales(idParam(req), 'admin-token'));
  });
  r.post('/held-sales/:id/discard', admin, async (req, res) => {
    res.json(await hq.discardHeldSales(idParam(req), 'admin-token'));
  });
  r.get('/conflicts', admin, async (req, res) => {
    const q = parse(conflictsQuerySchema, req.query);
    res.json(await hq.conflicts({ shopId: q.shop ? (await hq.shopByCode(q.shop)).id : undefined, limit: q.limit }));
  });
  r.post('/recalls', admin, async (req, res) => {
    res.status(201).json(await hq.recall(parse(recallSchema, req.body)));
  });
  r.get('/batches/:id', admin, async (req, res) => {
    res.json(await hq.batch(idParam(req)));
  });
  r.patch('/batches/:id', admin, async (req, res) => {
    res.json(await hq.correctBatch(idParam(req), parse(hqBatchPatchSchema, req.body)));
  });
  r.get('/suppliers', admin, async (_req, res) => {
    res.json(await hq.suppliers.listWithOrigin());
  });
  // The same id twice makes one supplier: 201, then 200 with the same row.
  r.post('/suppliers', admin, async (req, res) => {
    const { supplier, created } = await hq.suppliers.create(parse(createSupplierSchema, req.body));
    res.status(created ? 201 : 200).json(supplier);
  });
  r.patch('/suppliers/:id', admin, async (req, res) => {
    res.json(await hq.suppliers.update(idParam(req), parse(updateSupplierSchema, req.body)));
  });
  r.put('/suppliers/:id/products/:productId', admin, async (req, res) => {
    res.json(await hq.suppliers.putLink(idParam(req), idParam(req, 'productId'), parse(linkSchema, req.body)));
  });
  r.post('/products', admin, async (req, res) => {
    res.status(201).json(await hq.createProduct(parse(createProductSchema, req.body)));
  });
  r.patch('/products/:id', admin, async (req, res) => {
    res.json(await hq.updateProduct(idParam(req), parse(updateProductSchema, req.body)));
  });
  r.post('/products/:id/packs', admin, async (req, res) => {
    res.status(201).json(await hq.addPack(idParam(req), parse(packSchema, req.body)));
  });
  r.patch('/products/:id/packs/:packId', admin, async (req, res) => {
    if (req.body && typeof req.body === 'object' && 'units' in req.body) throw new AppError(422, 'pack_units_fixed', 'pack.units_fixed');
    res.json(await hq.updatePack(idParam(req), idParam(req, 'packId'), parse(updatePackSchema, req.body)));
  });
  r.get('/catalogue/proposals', admin, async (req, res) => {
    const q = parse(proposalListSchema, req.query);
    res.json(await hq.proposals.list(q.status, q.limit));
  });
  // The administration token is no person: a decision it makes is recorded as the token's (decidedBy null).
  r.post('/catalogue/proposals/:id/accept', admin, async (req, res) => {
    res.json(await hq.proposals.accept(idParam(req), null));
  });
  r.post('/catalogue/proposals/:id/refuse', admin, async (req, res) => {
    res.json(await hq.proposals.refuse(idParam(req), null));
  });

  // A shop's token reads its own shop's people only: asking for another shop's is refused whole.
  r.get('/staff', requireAdminOrShopToken(adminTokenHash, hq.shopOfToken, tokens), async (req, res) => {
    const q = parse(staffListSchema, req.query);
    if (req.hqShop && q.shop && q.shop !== req.hqShop.code) throw new AppError(403, 'staff_other_shop', 'hq_staff.other_shop');
    res.json(await hq.staff.list(req.hqShop ? req.hqShop.code : q.shop));
  });
  r.post('/staff', admin, async (req, res) => {
    const { created, member } = await hq.staff.create(parse(createStaffSchema, req.body), 'admin-token');
    res.status(created ? 201 : 200).json(member);
  });
  r.patch('/staff/:id', admin, async (req, res) => {
    res.json(await hq.staff.update(idParam(req), parse(updateStaffSchema, req.body), 'admin-token'));
  });
  // Shown once: the answer is the only place the code is ever written.
  r.post('/staff/:id/first-pin-code', admin, async (req, res) => {
    const { member, code, expiresAt } = await hq.staff.firstPinCode(idParam(req), 'admin-token');
    res.set('cache-control', 'no-store').status(201).json({ id: member.id, name: member.name, code, expiresAt });
  });
  r.post('/staff/:id/deactivate', admin, async (req, res) => {
    res.json(await hq.staff.deactivate(idParam(req), 'admin-token'));
  });
  return r;
}
