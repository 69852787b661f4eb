import type { Queryable, Tx } from '../db/pool.js';
import { decodeHlc, encodeHlc, receive, tick, zeroHlc } from '../domain/hlc.js';
import { initHlcState, lockHlcState, saveHlcState } from './queries.js';

/**
 * One HLC value per local transaction, persisted in it. Take it after every
 * other row lock of the transaction: it is the one row all writers share.
 */
export async function stampTransaction(tx: Tx, now: Date): Promise<string> {
  const state = await lockHlcState(tx);
  if (!state) throw new Error('hlc_state is not initialised');
  const next = encodeHlc(tick(decodeHlc(state.last), now.getTime(), state.nodeId));
  await saveHlcState(tx, next);
  return next;
}

/**
 * `floor`: a clock value kept outside the database (DATA_DIR/hlc). A database
 * restored from an old backup would otherwise restart its clock behind what
 * this node already sent.
 */
export async function initClock(db: Queryable, nodeId: string, floor?: string): Promise<void> {
  await initHlcState(db, nodeId, encodeHlc(zeroHlc(nodeId)));
  if (floor) {
    const f = decodeHlc(floor);
    await db.exec('update hlc_state set last = $1 where singleton and last < $1', [encodeHlc({ ...f, node: nodeId })]);
  }
}

/** Takes in another node's clock (head office's answer, a shop's push) so ours stays ahead of it. */
export async function absorbClock(tx: Tx, remote: string, now: Date): Promise<string> {
  const state = await lockHlcState(tx);
  if (!state) throw new Error('hlc_state is not initialised');
  const next = encodeHlc(receive(decodeHlc(state.last), decodeHlc(remote), now.getTime(), state.nodeId));
  await saveHlcState(tx, next);
  return next;
}

export async function currentClock(db: Queryable): Promise<string> {
  const row = await db.one<{ last: string }>('select last from hlc_state where singleton');
  return row!.last;
}
