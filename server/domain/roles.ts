export type UserRole = 'cashier' | 'pharmacist' | 'manager' | 'admin';
/** Head office's people: `admin` does everything, `lecture` reads. */
export type StaffRole = 'admin' | 'lecture';

const rank: Record<UserRole | StaffRole, number> = { lecture: -1, cashier: 0, pharmacist: 1, manager: 2, admin: 3 };

/** Roles are ordered: a manager may do what a pharmacist may, and so on; `lecture` may only read. */
export function hasRole(role: UserRole | StaffRole, atLeast: UserRole | StaffRole): boolean {
  return rank[role] >= rank[atLeast];
}
