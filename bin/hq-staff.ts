import { randomUUID } from 'node:crypto';
import type { HqStaffService } from '../server/hq/staff.js';
import { createStaffSchema, staffIdSchema } from '../server/hq/staff-schemas.js';
import { parse } from '../server/http/validate.js';
import { t } from '../server/i18n/fr.js';

export interface HqStaffValues {
  id?: string | undefined;
  name?: string | undefined;
  role?: string | undefined;
  shops?: string | undefined;
  shop?: string | undefined;
}

/**
 * `npx comptoir hq staff add|list|deactivate`: the same service as the API
 * and the Personnel page. No PIN is asked: PINs are set at the shop.
 */
export async function hqStaffCommand(sub: string, args: string[], values: HqStaffValues, staff: HqStaffService, print: (line: string) => void, operator: string): Promise<number> {
  switch (sub) {
    case 'add': {
      const input = parse(createStaffSchema, {
        id: values.id ?? randomUUID(), name: values.name, role: values.role ?? 'cashier',
        shops: (values.shops ?? '').split(',').map((s) => s.trim().toUpperCase()).filter(Boolean),
      });
      const { created, member } = await staff.create(input, operator);
      print(t(created ? 'cli.hq_staff.added' : 'cli.hq_staff.exists', { name: member.name, id: member.id, shops: member.shops.join(', ') }));
      return 0;
    }
    case 'list': {
      const people = await staff.list(values.shop?.toUpperCase());
      if (people.length === 0) print(t('cli.hq_staff.none'));
      for (const p of people) {
        print(t('cli.hq_staff.line', { id: p.id, name: p.name, role: p.role, shops: p.shops.join(','), state: t(p.active ? 'cli.hq_staff.active' : 'cli.hq_staff.inactive') }));
      }
      return 0;
    }
    case 'deactivate': {
      const id = parse(staffIdSchema, args[0] ?? values.id);
      const member = await staff.deactivate(id, operator);
      print(t('cli.hq_staff.deactivated', { name: member.name }));
      return 0;
    }
    default:
      print(t('cli.hq_staff.usage'));
      return 2;
  }
}
