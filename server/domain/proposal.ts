/**
 * A shop's edit of a chain product's field (one it did not create) is a
 * proposal to head office, never a write of head office's row. What becomes
 * of one more arriving, given what head office holds of that shop, product
 * and field: pure, so the rule is read and tested in one place.
 */

export type ProposalStatus = 'pending' | 'accepted' | 'refused' | 'superseded';

export interface ProposalArrival {
  value: unknown;
  /** The shop's clock of its edit. */
  clock: string;
}

export interface ProposalContext {
  /** Head office's value of the field now. */
  hqValue: unknown;
  /** A proposal with this very clock is already here: the push is a replay. */
  seen: boolean;
  /** This shop's open proposal of this field, if any. */
  pending?: { id: string; clock: string } | undefined;
}

export type ProposalPlacement =
  | { kind: 'replay' }
  | { kind: 'record'; status: 'pending' | 'superseded'; replaces?: string | undefined };

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

export function placeProposal(arrival: ProposalArrival, ctx: ProposalContext): ProposalPlacement {
  if (ctx.seen) return { kind: 'replay' };
  // An edit older than the open one (a refused change sent again later): on the record, never over the newer one.
  if (ctx.pending && arrival.clock < ctx.pending.clock) return { kind: 'record', status: 'superseded' };
  // Back to head office's value: nothing left to decide, and the open proposal is void.
  if (same(arrival.value, ctx.hqValue)) return { kind: 'record', status: 'superseded', replaces: ctx.pending?.id };
  return { kind: 'record', status: 'pending', replaces: ctx.pending?.id };
}
