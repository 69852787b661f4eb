import type { Db, Tx } from '../db/pool.js';
import type { ProposalStatus } from '../domain/proposal.js';
import { AppError, notFound } from '../errors.js';
import { t, type MessageKey } from '../i18n/fr.js';
import type { Logger } from '../logger.js';
import { appendFeed } from '../outbox/queries.js';
import { decideProposal, listProposals, lockProposal, proposalById, type Proposal } from './proposal-queries.js';
import { lockProduct } from './queries.js';
import { updateProductSchema } from './schemas.js';
import { editAtHq } from './service.js';

/**
 * Head office deciding the shops' proposals for its products (a shop's edit
 * of a product it did not create: catalog/merge.ts records them). Accepting
 * makes the value head office's own edit, stamped by head office and fed to
 * every shop; refusing keeps head office's value and sends it back to the
 * shop that proposed, so that shop returns to the chain's value.
 */
export function catalogProposals({ db, now, logger }: { db: Db; now: () => Date; logger: Logger }) {
  /** The proposal, still open, locked after its product (the order a push takes them in, so the two never deadlock). */
  async function open(tx: Tx, id: string) {
    const seen = await proposalById(tx, id);
    if (!seen) throw notFound('catalog.proposal.not_found');
    const product = (await lockProduct(tx, seen.productId))!;
    const proposal = (await lockProposal(tx, id))!;
    if (proposal.status !== 'pending') {
      throw new AppError(409, 'proposal_decided', 'catalog.proposal.decided', { status: t(`catalog.proposal.status.${proposal.status}` as MessageKey) });
    }
    return { proposal, product };
  }

  const decided = async (id: string) => (await proposalById(db, id))!;

  return {
    list: (status: ProposalStatus | 'all', limit: number): Promise<Proposal[]> => listProposals(db, { status, limit }),

    /** `by`: the head-office person deciding; null for the administration token. */
    async accept(id: string, by: string | null): Promise<Proposal> {
      await db.withTransaction(async (tx) => {
        const { proposal } = await open(tx, id);
        // Head office's own bounds hold for what it accepts (a push allows wider values than its pages do).
        const input = updateProductSchema.safeParse({ [proposal.field]: proposal.proposedValue });
        if (!input.success) throw new AppError(422, 'proposal_invalid', 'catalog.proposal.invalid');
        await editAtHq(tx, proposal.productId, input.data, now(), proposal.id);
        await decideProposal(tx, id, { status: 'accepted', decidedBy: by });
      });
      logger.info({ proposalId: id, by }, 'catalogue proposal accepted');
      return decided(id);
    },

    async refuse(id: string, by: string | null): Promise<Proposal> {
      await db.withTransaction(async (tx) => {
        const { proposal, product } = await open(tx, id);
        await decideProposal(tx, id, { status: 'refused', decidedBy: by });
        const field = proposal.field as 'name' | 'unitPrice' | 'active';
        const clock = product.fieldClocks[field] ?? product.hlc;
        // To the proposing shop only: it takes head office's value over its own (logged there as decided_by_hq), if
        // it still holds the value refused (`refusedClocks`): a newer edit of its own is a new proposal, not refused.
        await appendFeed(tx, [{
          shopId: proposal.shopId, originShopId: null, entity: 'product', entityId: product.id, hlc: clock,
          payload: { id: product.id, [field]: product[field], fieldClocks: { [field]: clock }, refusedClocks: { [field]: proposal.shopClock } },
        }]);
      });
      logger.info({ proposalId: id, by }, 'catalogue proposal refused');
      return decided(id);
    },
  };
}

export type CatalogProposals = ReturnType<typeof catalogProposals>;
