/**
 * The shop's end of the link, run inside the shop's namespace: the real sync
 * service on the shop's database, reaching head office at HQ_URL (the proxy).
 * Orders come over IPC; each answer carries what the client logged of every
 * call to head office (bytes each way, time, deadlines, connection reused).
 *
 *   {cmd: 'push'}        one push, as the job does
 *   {cmd: 'pushAll', maxMs}  pushes until the outbox is empty; after a failure,
 *                        waits for the link probe (sync.linkBack) as the job runner does
 *   {cmd: 'pull'}        one pull
 *   {cmd: 'pullTwice'}   two pulls at once (the schedule's and a person's)
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createDb } from '../../server/db/pool.js';
import { ChangeBus } from '../../server/events.js';
import { initClock } from '../../server/outbox/clock.js';
import { outboxStats } from '../../server/outbox/queries.js';
import { ensureShop } from '../../server/shops/service.js';
import type { CallRecord } from '../../server/sync/client.js';
import { syncService } from '../../server/sync/service.js';

const env = (name: string) => process.env[name] ?? (() => { throw new Error(`${name} missing`); })();
let calls: CallRecord[] = [];
const sink = new Writable({
  write(line: Buffer, _enc, done) {
    const entry = JSON.parse(line.toString()) as { msg?: string } & CallRecord;
    if (entry.msg === 'head office call') calls.push(entry);
    done();
  },
});
const logger = pino({ level: 'debug' }, sink);
const db = createDb({ connectionString: env('DATABASE_URL'), logger: pino({ level: 'warn' }), max: 4 });
const code = env('SHOP_CODE');
await initClock(db, code);
const shop = await ensureShop(db, { code, name: 'Boutique du lien', timezone: 'Africa/Dakar' });
const sync = syncService({ db, logger, shop, now: () => new Date(), hq: { url: env('HQ_URL'), token: env('HQ_TOKEN') }, bus: new ChangeBus() });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function pushAll(maxMs: number) {
  const started = performance.now();
  const failures: { at: number; error: string }[] = [];
  let resumedAt: number | null = null;
  // Bounded: the outbox empties, or the time given runs out.
  while (performance.now() - started < maxMs) {
    try {
      await sync.pushNow({ force: true });
      if ((await outboxStats(db)).pendingChanges === 0) break;
    } catch (err) {
      failures.push({ at: Math.round(performance.now() - started), error: (err as Error).message });
      // As jobs/index.ts: ask every second whether the probe found head office again.
      while (performance.now() - started < maxMs && !(await sync.linkBack())) await sleep(1000);
      resumedAt = Math.round(performance.now() - started);
    }
  }
  return { ms: Math.round(performance.now() - started), failures, resumedAt, pending: (await outboxStats(db)).pendingChanges };
}

process.on('message', (m: { cmd: string; id: number; maxMs?: number }) => {
  void (async () => {
    calls = [];
    const t0 = performance.now();
    try {
      let result: unknown;
      if (m.cmd === 'push') result = await sync.pushNow({ force: true });
      else if (m.cmd === 'pushAll') result = await pushAll(m.maxMs ?? 120_000);
      else if (m.cmd === 'pull') result = await sync.pullNow({ force: true });
      else if (m.cmd === 'pullTwice') result = await Promise.all([sync.pullNow({ force: true }), sync.pullNow({ force: true })]);
      else throw new Error(`unknown order ${m.cmd}`);
      process.send!({ id: m.id, ok: true, result, ms: Math.round(performance.now() - t0), calls });
    } catch (err) {
      process.send!({ id: m.id, ok: false, error: (err as Error).message, ms: Math.round(performance.now() - t0), calls });
    }
  })();
});
process.on('disconnect', () => void db.close().finally(() => process.exit(0)));
process.send!({ type: 'ready' });
