import { describeResent } from '../server/domain/resent-text.js';
import { REPORT_ORDER } from '../server/sync/coverage.js';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { boot, type Booted } from '../server/boot.js';
import { ConfigError } from '../server/config.js';
import { EmbeddedPostgresError } from '../server/db/embedded.js';
import { MigrationError } from '../server/db/migrate.js';
import { seedDemo } from '../server/demo/seed.js';
import { BackupError, backupDatabase, defaultBackupFile, restoreDatabase } from '../server/ops/backup.js';
import { identitiesIn } from '../server/ops/seal.js';
import { assertPlainStaysHome } from '../server/ops/service.js';
import { AppError } from '../server/errors.js';
import { registerShopSchema } from '../server/hq/schemas.js';
import { accessCommand, readSecret } from './access.js';
import { hqStaffCommand } from './hq-staff.js';
import { staffService } from '../server/staff/service.js';
import { hqService } from '../server/hq/service.js';
import { HqError } from '../server/sync/client.js';
import { initFromHq } from '../server/sync/rebuild.js';
import { firstManager } from '../server/users/queries.js';
import { t } from '../server/i18n/fr.js';
import { parse } from '../server/http/validate.js';

const usage = () => `${t('cli.usage')}\n\n${t('cli.access.usage')}\n\n${t('cli.hq_staff.usage')}`;
const seqList = (v: string) => v.split(',').map((x) => Number(x.trim())).filter((n) => Number.isInteger(n) && n > 0);

process.env.LOG_LEVEL ??= 'warn';

const print = (line: string) => process.stdout.write(`${line}\n`);

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Head office backs up its own database: its wrapper (deploy/install.sh --hq) and image say so with COMPTOIR_ROLE=hq. */
const backupRole = (): 'shop' | 'hq' => (process.env.COMPTOIR_ROLE === 'hq' ? 'hq' : 'shop');

/** The age secret keys that open a sealed backup: from a file, or stdin with `-`; never the key itself on the command line. */
async function readIdentities(source: string): Promise<string[]> {
  if (source.trim().toUpperCase().startsWith('AGE-SECRET-KEY-')) throw new BackupError(t('ops.identity_on_command_line'));
  let text: string;
  try {
    text = source === '-' ? await readStdin() : fs.readFileSync(path.resolve(source), 'utf8');
  } catch (err) {
    throw new BackupError(t('ops.identity_unreadable', { file: source, reason: (err as Error).message }));
  }
  const identities = identitiesIn(text);
  if (identities.length === 0) throw new BackupError(t('ops.identity_invalid'));
  return identities;
}

async function withShop<T>(work: (b: Booted) => Promise<T>, role: 'shop' | 'hq' = 'shop'): Promise<T> {
  const booted = await boot(role, { listen: false });
  try {
    return await work(booted);
  } finally {
    await booted.shutdown.run();
  }
}

async function run(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' }, role: { type: 'string' }, login: { type: 'string' }, password: { type: 'string' }, pin: { type: 'string' }, code: { type: 'string' }, timezone: { type: 'string' },
      file: { type: 'string' },
      identity: { type: 'string' },
      seq: { type: 'string' },
      id: { type: 'string' }, user: { type: 'string' }, shops: { type: 'string' }, shop: { type: 'string' },
      force: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals.join(' ');
  // Hardening II: access and revocation commands, in bin/access.ts.
  const access = accessCommand(command);
  if (access) {
    const refusal = access.refuse?.(values);
    if (refusal) {
      print(t(refusal));
      return 2;
    }
    const io = { print, secret: readSecret, operator: `cli:${process.env.SUDO_USER ?? process.env.USER ?? 'operator'}` };
    return withShop((b) => access.run({ db: b.db, logger: b.logger, shop: b.shop, services: b.services, timezone: b.config.timezone }, values, io), access.role);
  }
  if (positionals[0] === 'hq' && positionals[1] === 'staff') {
    const operator = `cli:${process.env.SUDO_USER ?? process.env.USER ?? 'operator'}`;
    return withShop((b) => hqStaffCommand(positionals[2] ?? '', positionals.slice(3), values, hqService({ db: b.db, logger: b.logger, now: () => new Date() }).staff, print, operator), 'hq');
  }
  switch (command) {
    case 'migrate':
      await withShop(async () => print(t('cli.migrated')));
      return 0;
    case 'user add': {
      const role = values.role as 'cashier' | 'pharmacist' | 'manager' | 'admin';
      if (!values.name || !['cashier', 'pharmacist', 'manager', 'admin'].includes(role) || !/^\d{4,8}$/.test(values.pin ?? '')) {
        print(t('cli.user_add_usage'));
        return 2;
      }
      const user = await withShop((b) => b.services!.users.createUser({ name: values.name!, role, pin: values.pin! }));
      print(t('cli.user_created', { name: user.name, role: t(`role.${user.role}`), id: user.id }));
      return 0;
    }
    case 'user list':
      await withShop(async (b) => {
        for (const u of await b.services!.users.listUsers()) print(`${u.id}  ${t(`role.${u.role}`).padEnd(14)}  ${(u.active ? t('cli.active') : t('cli.inactive')).padEnd(8)}  ${u.name}`);
      });
      return 0;
    case 'sync status':
      await withShop(async (b) => print(JSON.stringify(await b.services!.sync.status(), null, 2)));
      return 0;
    case 'sync now':
      await withShop(async (b) => {
        b.services!.sync.assertConfigured();
        const r = await b.services!.sync.runNow({ force: true });
        print(t('cli.synced', { sent: r.push.sent, received: r.pull.applied }));
      });
      return 0;
    case 'sync nightly':
      await withShop(async (b) => {
        b.services!.sync.assertConfigured();
        const r = await b.services!.nightly.run();
        print(t('cli.nightly_done', { days: r.daysChecked, rows: r.rowsResent, left: r.mismatches, drift: r.ledgerDrift, alerts: r.expiryAlerts }));
        const resent = describeResent(r.resent, REPORT_ORDER);
        if (resent) print(resent);
        if (r.differing.length > 0) print(t('cli.nightly_left', { days: r.differing.join(', ') }));
        if (r.rowsRefused > 0) print(t('cli.nightly_refused', { n: r.rowsRefused }));
      });
      return 0;
    case 'hq user list':
      await withShop(async (b) => {
        for (const u of await staffService({ db: b.db, now: () => new Date() }).list()) print(`${u.login.padEnd(20)}  ${t(`hq.role.${u.role}`).padEnd(16)}  ${(u.active ? t('cli.active') : t('cli.inactive')).padEnd(8)}  ${u.name}`);
      }, 'hq');
      return 0;
    case 'sync refused':
      await withShop(async (b) => {
        const refused = await b.services!.sync.refused();
        if (refused.length === 0) print(t('cli.refused_none'));
        for (const r of refused) print(t('cli.refused_line_fr', { seq: r.seq, what: r.label, at: r.refusedAtText, reason: r.reason }));
      });
      return 0;
    case 'sync retry':
      await withShop(async (b) => {
        const n = await b.services!.sync.retryRefused(values.seq ? seqList(values.seq) : 'all');
        print(t('cli.retried', { n }));
      });
      return 0;
    case 'sync discard': {
      if (!values.seq) {
        print(t('cli.discard_usage'));
        return 2;
      }
      const n = await withShop((b) => b.services!.sync.discardRefused(seqList(values.seq!), `cli:${process.env.USER ?? 'operator'}`));
      print(t('cli.discarded', { n }));
      return 0;
    }
    case 'shop init-from-hq':
      await withShop(async (b) => {
        const r = await initFromHq({ db: b.db, logger: b.logger, shop: b.shop!, now: () => new Date(), ...(b.config.hqUrl && b.config.hqToken ? { hq: { url: b.config.hqUrl, token: b.config.hqToken } } : {}) }, { force: values.force ?? false });
        print(t('cli.rebuilt', { products: r.products, lots: r.lots, movements: r.movements, sales: r.sales, lastReceipt: r.lastReceipt }));
        print(t('cli.rebuilt_more', { sessions: r.rows.sessions ?? 0, returns: r.rows.returns ?? 0, cash: r.rows['cash-movements'] ?? 0 }));
        print(t('cli.rebuilt_moves', { transfers: r.rows.transfers ?? 0, receipts: r.rows['transfer-receipts'] ?? 0, requisitions: r.rows.requisitions ?? 0, stocktakes: r.rows.stocktakes ?? 0 }));
        print(t('cli.rebuilt_accounts', { customers: r.rows.customers ?? 0, entries: r.rows['account-entries'] ?? 0, expenses: r.rows.expenses ?? 0 }));
        if (r.drifted.length > 0) print(t('cli.rebuilt_drift', { n: r.drifted.length }));
        print(t('cli.rebuilt_staff', { n: r.rows.staff ?? 0 }));
        // The people came back without PINs: the first manager's is the operator's, or shown here once.
        const manager = await b.services!.users.managerPinAfterRebuild(b.config.adminPin);
        if (manager) print(manager.generatedPin ? t('cli.rebuilt_manager_pin', { name: manager.name, pin: manager.generatedPin }) : t('cli.rebuilt_manager_set', { name: manager.name }));
      });
      return 0;
    case 'shop add': {
      const input = parse(registerShopSchema, { code: values.code, name: values.name, timezone: values.timezone });
      const { token } = await withShop((b) => hqService({ db: b.db, logger: b.logger, now: () => new Date() }).registerShop(input), 'hq');
      print(t('cli.shop_created', { code: input.code, token }));
      print(t('cli.shop_hint', { code: input.code }));
      return 0;
    }
    case 'backup':
      await withShop(async (b) => {
        const recipient = b.config.backupRecipient;
        const file = path.resolve(values.file ?? defaultBackupFile(b.config.dataDir, b.config.role === 'hq' ? 'HQ' : b.config.shopCode, new Date(), recipient !== undefined));
        if (!recipient) assertPlainStaysHome(file, b.config.dataDir);
        const written = await backupDatabase(b.database.connectionString, file, { recipient });
        print(t(written.sealed ? 'cli.backup_sealed' : 'cli.backup_written', { file: written.file, kb: Math.round(written.bytes / 1024) }));
      }, backupRole());
      return 0;
    case 'restore': {
      if (!values.file) {
        print(t('cli.restore_usage'));
        return 2;
      }
      const identities = values.identity === undefined ? undefined : await readIdentities(values.identity);
      await withShop(async (b) => {
        if (b.database.shared) throw new BackupError(t('ops.restore_while_running'));
        await restoreDatabase(b.database.connectionString, path.resolve(values.file!), { identities });
        print(t('cli.restored'));
      }, backupRole());
      return 0;
    }
    case 'seed-demo':
      return withShop(async (b) => {
        const manager = await firstManager(b.db, b.shop!.id);
        if (!manager) {
          print(t('cli.no_manager'));
          return 2;
        }
        const { seeded } = await seedDemo(b.services!, b.shop!, new Date(), { ...manager, role: 'manager' });
        print(t(seeded ? 'cli.seeded' : 'cli.not_seeded'));
        return 0;
      });
    default:
      print(usage());
      return values.help ? 0 : 2;
  }
}

try {
  process.exitCode = await run(process.argv.slice(2));
} catch (err) {
  const plain = err instanceof AppError || err instanceof BackupError || err instanceof HqError || err instanceof ConfigError || err instanceof EmbeddedPostgresError || err instanceof MigrationError;
  process.stderr.write(`${plain ? (err as Error).message : ((err as Error).stack ?? String(err))}\n`);
  process.exitCode = 1;
}
