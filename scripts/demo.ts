/**
 * `npm run demo`: head office and one shop on this machine, each on its own
 * embedded PostgreSQL under ./data-demo, the shop loaded with a French
 * pharmacy catalogue, users, stock and sales, and synced once so its sales
 * show at head office.
 */
import fs from 'node:fs';
import path from 'node:path';
import { boot } from '../server/boot.js';
import { seedDemo } from '../server/demo/seed.js';
import { hqService } from '../server/hq/service.js';
import { staffService } from '../server/staff/service.js';
import { t } from '../server/i18n/fr.js';
import { firstManager } from '../server/users/queries.js';

const root = path.resolve(process.env.DEMO_DIR ?? './data-demo');
const shopCode = 'DKR01';
const adminToken = process.env.COMPTOIR_HQ_ADMIN_TOKEN ?? 'demo-admin-token-change-me';
const hqPort = process.env.HQ_PORT ?? '4000';
const shopPort = process.env.PORT ?? '3000';
fs.mkdirSync(root, { recursive: true });
fs.chmodSync(root, 0o755); // the embedded PostgreSQL runs as `postgres` when we are root

const hq = await boot('hq', {
  env: { ...process.env, PORT: hqPort, DATA_DIR: path.join(root, 'hq'), EMBEDDED_PG_PORT: '54351', COMPTOIR_HQ_ADMIN_TOKEN: adminToken },
});

// Head office's first account, for its pages in a browser.
const hqPassword = process.env.DEMO_HQ_PASSWORD ?? 'demo-siege-2026';
const staff = staffService({ db: hq.db, now: () => new Date() });
if ((await staff.count()) === 0) await staff.addUser({ login: 'admin', name: 'Direction', role: 'admin', password: hqPassword });

// The shop's sync token is shown once by head office; the demo keeps it beside its data.
const tokenFile = path.join(root, 'shop-token');
if (!fs.existsSync(tokenFile)) {
  const { token } = await hqService({ db: hq.db, logger: hq.logger, now: () => new Date() }).registerShop({
    code: shopCode, name: 'Pharmacie du Plateau', timezone: 'Africa/Dakar',
  });
  fs.writeFileSync(tokenFile, token, { mode: 0o600 });
}

const shop = await boot('shop', {
  env: {
    ...process.env, PORT: shopPort, DATA_DIR: path.join(root, 'shop'), EMBEDDED_PG_PORT: '54350', SHOP_CODE: shopCode,
    SHOP_NAME: 'Pharmacie du Plateau', COMPTOIR_ADMIN_PIN: process.env.COMPTOIR_ADMIN_PIN ?? '123456', TZ: process.env.TZ ?? 'Africa/Dakar',
    HQ_URL: `http://127.0.0.1:${hqPort}`, HQ_TOKEN: fs.readFileSync(tokenFile, 'utf8').trim(),
  },
});
// Accounts with well-known PINs, for a demonstration on this machine only: never created by an installed shop.
const DEMO_USERS = [
  { name: 'Awa Diop', role: 'cashier', pin: '1111' },
  { name: 'Moussa Ndiaye', role: 'pharmacist', pin: '2222' },
] as const;
const manager = await firstManager(shop.db, shop.shop!.id);
const existing = await shop.services!.users.listUsers();
const cashier = existing.find((u) => u.name === DEMO_USERS[0].name)
  ?? (await shop.services!.users.createUser({ ...DEMO_USERS[0] }));
if (!existing.some((u) => u.name === DEMO_USERS[1].name)) await shop.services!.users.createUser({ ...DEMO_USERS[1] });
const { seeded } = await seedDemo(shop.services!, shop.shop!, new Date(), { id: manager!.id, name: manager!.name, role: 'manager' },
  { id: cashier.id, name: cashier.name, role: 'cashier' });
const synced = await shop.services!.sync.runNow({ force: true }).catch((err: Error) => ({ error: err.message }));

process.stdout.write(
  `\n${t('demo.banner', {
    state: t(seeded ? 'demo.loaded' : 'demo.present'),
    code: shopCode,
    shopUrl: `http://localhost:${shopPort}`,
    pins: [`${t('role.manager')} ${shop.config.adminPin}`, ...DEMO_USERS.map((u) => `${u.name} (${t(`role.${u.role}`)}) ${u.pin}`)].join(', '),
    hqUrl: `http://localhost:${hqPort}`,
    token: adminToken,
    login: 'admin',
    password: hqPassword,
    sync: 'error' in synced ? synced.error : t('demo.synced', { n: synced.push.sent }),
  })}\n\n`,
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    void shop.shutdown.run().then(() => hq.shutdown.run()).then(() => process.exit(0));
  });
}
