import { compareHlc, decodeHlc } from '../domain/hlc.js';
import type { UserRole } from '../domain/roles.js';
import { AppError } from '../errors.js';
import type { MergeRun } from '../outbox/merge-run.js';
import { hqStaffById, insertStaffFromShop, updateStaffFromShop } from './staff-queries.js';
import { staffWire } from './staff.js';

/** A person as a shop pushes them (server/users/service.ts): never a PIN nor its hash. */
export interface StaffUpWire {
  id: string;
  shopId: string;
  name: string;
  role: UserRole;
  active: boolean;
  createdAt: string;
}

/**
 * How head office takes a shop's person (docs/sync.md, « Staff at head
 * office »). A person the shop made is the shop's to edit, ordered by the
 * shop's own clock, until head office sets them; from then on their name,
 * role and active are head office's: what the shop wanted is logged
 * (`staff_set_by_hq`) and head office's kept, so a shop cannot raise a role
 * nor undo a deactivation. One exception: a shop's deactivation of a person
 * who works at that shop only is taken (a deactivation always wins).
 */
export class StaffMerge {
  constructor(private readonly run: MergeRun) {}

  async fromShop(d: StaffUpWire, hlc: string): Promise<void> {
    const seat = this.run.seat;
    if (seat.role !== 'hq' || !seat.shopId) throw new Error('staff are merged at head office');
    if (d.shopId !== seat.shopId) throw new AppError(403, 'wrong_shop', 'sync.wrong_shop', { code: seat.shopCode });
    const tx = this.run.tx;
    const held = await hqStaffById(tx, d.id, true);
    if (!held) {
      await insertStaffFromShop(tx, { ...d, shopId: seat.shopId, hlc, createdAt: new Date(d.createdAt) });
      return;
    }
    // A person of other shops only (head office moved them, or a forged id): this change is refused and set
    // aside at the shop, not the whole push, so one re-enabled former colleague cannot wedge the shop's outbox.
    // The answer names no one: a token guessing ids learns nothing of another shop's people.
    if (!held.shopIds.includes(seat.shopId)) throw new AppError(422, 'staff_not_here', 'sync.staff_not_here');
    // The same change again, or an older one arriving after a newer: the shop's own clock orders its edits.
    if (held.hlc && held.hlc.endsWith(`:${seat.shopCode}`) && compareHlc(decodeHlc(hlc), decodeHlc(held.hlc)) <= 0) return;
    if (!held.setByHq) {
      await updateStaffFromShop(tx, { id: d.id, name: d.name, role: d.role, active: d.active, hlc });
      return;
    }
    const onlyHere = held.shopIds.length === 1;
    if (held.active && !d.active && onlyHere) {
      await updateStaffFromShop(tx, { id: d.id, name: held.name, role: held.role, active: false, hlc });
    }
    const wanted: [field: string, local: unknown, remote: unknown][] = [
      ['name', held.name, d.name],
      ['role', held.role, d.role],
      ...(held.active && !d.active && onlyHere ? [] : [['staffActive', held.active, d.active] as [string, unknown, unknown]]),
    ];
    let kept = false;
    for (const [field, local, remote] of wanted) {
      if (local === remote) continue;
      kept = true;
      this.run.log('staff', d.id, { field, localValue: local, remoteValue: remote, localClock: held.hlc, remoteClock: hlc, winner: 'local', reason: 'staff_set_by_hq' });
    }
    // The shop gets head office's person back: its copy converges (a deactivation undone there is undone again) instead
    // of differing at every nightly digest; and a person it did not make is named so (migration 0032 guessed at the shop).
    // Never to re-activate someone the shop deactivated: a deactivation always wins, there too (the disagreement stays in
    // the conflict log for an administrator).
    const now = (await hqStaffById(tx, d.id))!;
    if ((kept || held.originShopId !== seat.shopId) && !(now.active && !d.active)) {
      this.run.emit({ shopId: seat.shopId, originShopId: null, entity: 'staff', entityId: d.id, hlc, payload: staffWire(now, seat.shopId) });
    }
  }
}
