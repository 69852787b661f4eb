import type { Queryable, Tx } from '../db/pool.js';
import { compareHlc, encodeHlc, parseHlc, receive, successor, tick, zeroHlc, type Hlc } from '../domain/hlc.js';
import { FAR_FUTURE_MS } from '../domain/merge.js';
import { initHlcState, lockHlcState, replaceHlcState, saveHlcState } from './queries.js';

/**
 * This node's clock as stored; a value that no longer decodes (damage, or a
 * clock written by an older version) restarts from the wall rather than
 * bricking every write.
 */
async function lockedClock(tx: Tx): Promise<{ last: Hlc; nodeId: string }> {
  const state = await lockHlcState(tx);
  if (!state) throw new Error('hlc_state is not initialised');
  return { last: parseHlc(state.last) ?? zeroHlc(state.nodeId), nodeId: state.nodeId };
}

/**
 * The clock this process last wrote, as stored. A stamp computed from it is
 * written only if the row still holds it (one round trip instead of a locked
 * read then a write, inside the section every sale waits for); anything else
 * (another process, a rolled-back stamp, a restore) falls back to the locked read.
 */
let lastWritten: string | undefined;

/** The next value from `last` and, for an edit, the value stamped on it (above every clock it replaces). */
function nextStamp(last: Hlc, nodeId: string, now: Date, above: readonly (string | null | undefined)[]): { next: Hlc; edit?: Hlc } {
  let next = tick(last, now.getTime(), nodeId);
  const top = above.map(parseHlc).filter((h): h is Hlc => !!h).reduce<Hlc | undefined>((a, b) => (!a || compareHlc(b, a) > 0 ? b : a), undefined);
  if (top && compareHlc(top, next) >= 0) {
    // Within a day of our wall: absorb it, so our clock stays ahead. Beyond: step over it for this edit only.
    if (top.wall <= now.getTime() + FAR_FUTURE_MS) next = receive(next, top, now.getTime(), nodeId);
    else return { next, edit: successor(top, nodeId) };
  }
  return { next };
}

/**
 * One HLC value per local transaction, persisted in it. Take it after every
 * other row lock of the transaction: it is the one row all writers share.
 * `above`: the clocks of the values this transaction replaces; a local edit is
 * always stamped above them, so a correction made after a value was seen wins
 * whatever the wall clocks say.
 */
export async function stampTransaction(tx: Tx, now: Date, above: readonly (string | null | undefined)[] = []): Promise<string> {
  const cached = parseHlc(lastWritten);
  if (cached) {
    const { next, edit } = nextStamp(cached, cached.node, now, above);
    if (await replaceHlcState(tx, { expected: lastWritten!, nodeId: cached.node, next: encodeHlc(next) })) {
      lastWritten = encodeHlc(next);
      return encodeHlc(edit ?? next);
    }
  }
  const { last, nodeId } = await lockedClock(tx);
  const { next, edit } = nextStamp(last, nodeId, now, above);
  await saveHlcState(tx, encodeHlc(next));
  lastWritten = encodeHlc(next);
  return encodeHlc(edit ?? next);
}

/**
 * `floor`: a clock value kept outside the database (DATA_DIR/hlc). A database
 * restored from an old backup would otherwise restart its clock behind what
 * this node already sent.
 */
export async function initClock(db: Queryable, nodeId: string, floor?: string): Promise<void> {
  await initHlcState(db, nodeId, encodeHlc(zeroHlc(nodeId)));
  const f = parseHlc(floor);
  if (f) await db.exec('update hlc_state set last = $1 where singleton and last < $1', [encodeHlc({ ...f, node: nodeId })]);
}

/** Takes in another node's clock (head office's answer) so ours stays ahead of it. */
export async function absorbClock(tx: Tx, remote: string, now: Date): Promise<string> {
  const { last, nodeId } = await lockedClock(tx);
  const r = parseHlc(remote);
  const next = encodeHlc(r ? receive(last, r, now.getTime(), nodeId) : tick(last, now.getTime(), nodeId));
  await saveHlcState(tx, next);
  return next;
}

export async function currentClock(db: Queryable): Promise<string> {
  const row = await db.one<{ last: string; nodeId: string }>('select last, node_id from hlc_state where singleton');
  return parseHlc(row!.last) ? row!.last : encodeHlc(zeroHlc(row!.nodeId));
}
