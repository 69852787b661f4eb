export type UserRole = 'cashier' | 'pharmacist' | 'manager' | 'admin';

const rank: Record<UserRole, number> = { cashier: 0, pharmacist: 1, manager: 2, admin: 3 };

/** Roles are ordered: a manager may do what a pharmacist may, and so on. */
export function hasRole(role: UserRole, atLeast: UserRole): boolean {
  return rank[role] >= rank[atLeast];
}
