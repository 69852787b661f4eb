/**
 * `npm run demo`: a shop with a realistic French pharmacy catalogue, users
 * and stock, on its own embedded PostgreSQL under ./data-demo.
 */
import { boot } from '../server/boot.js';
import { DEMO_USERS, seedDemo } from '../server/demo/seed.js';
import { t } from '../server/i18n/fr.js';

process.env.DATA_DIR ??= './data-demo';
process.env.SHOP_CODE ??= 'DKR01';
process.env.SHOP_NAME ??= 'Pharmacie du Plateau';
process.env.COMPTOIR_ADMIN_PIN ??= '123456';
process.env.TZ ??= 'Africa/Dakar';
process.env.EMBEDDED_PG_PORT ??= '54350';

const booted = await boot('shop');
const { services, shop, db, config, shutdown } = booted;
const manager = await db.one<{ id: string; name: string }>(`select id, name from users where role = 'manager' order by created_at limit 1`);
const { seeded } = await seedDemo(services!, shop!, new Date(), { id: manager!.id, name: manager!.name, role: 'manager' });

process.stdout.write(`
  Comptoir — démonstration ${seeded ? '(données chargées)' : '(données déjà présentes)'}
  Boutique ${shop!.code} : http://localhost:${config.port}
  Codes PIN : Responsable ${config.adminPin}, ${DEMO_USERS.map((u) => `${u.name} (${t(`role.${u.role}`)}) ${u.pin}`).join(', ')}
  (Ctrl-C pour arrêter)

`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => void shutdown.run().then(() => process.exit(0)));
}
