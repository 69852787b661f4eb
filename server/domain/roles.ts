export type UserRole = 'cashier' | 'pharmacist' | 'manager' | 'admin';
/** Head office's people: `admin` does everything, `lecture` reads. */
export type StaffRole = 'admin' | 'lecture';

const rank: Record<UserRole | StaffRole, number> = { lecture: -1, cashier: 0, pharmacist: 1, manager: 2, admin: 3 };

/** Roles are ordered: a manager may do what a pharmacist may, and so on; `lecture` may only read. */
export function hasRole(role: UserRole | StaffRole, atLeast: UserRole | StaffRole): boolean {
  return rank[role] >= rank[atLeast];
}

/**
 * What each role may read, one rule for the pages and the JSON API alike
 * (both routing tables and the cash service ask here). The conflict log
 * shows other values of the catalogue and the lots, for whoever can act on
 * them; a cash session's X and Z reports are its cashier's and the managers'.
 */
export const READ_RULES = {
  conflicts: 'manager',
  anySession: 'manager',
} as const satisfies Record<string, UserRole>;

/** Whether `reader` may see a cash session's reports (X, Z, its movements). */
export function maySeeSession(reader: { id: string; role: UserRole | StaffRole }, session: { cashierId: string }): boolean {
  return session.cashierId === reader.id || hasRole(reader.role, READ_RULES.anySession);
}
