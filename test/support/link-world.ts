/**
 * A shop and its head office on two sides of a 3G-like link, on this machine:
 * head office (`server/main.ts --hq`, as deployed) and the fault-injecting
 * proxy in head office's namespace, the shop's sync service in the shop's,
 * bandwidth by tbf on the veth between them (test/support/netns.ts). The
 * databases stay where the caller made them; the children reach them through
 * the Unix socket bridge. Used by test/sync/link.test.ts and
 * test/bench/link.bench.ts.
 */
import fs from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import type { CallRecord } from '../../server/sync/client.js';
import type { LinkFaults, LinkStats } from './link-proxy.js';
import { makeLink, nextMessage, type Link } from './netns.js';
import { tempDataDir } from './process.js';

const HQ_PORT = 4000;
const PROXY_PORT = 8443;

export interface Answer<T = unknown> {
  ok: boolean;
  result: T;
  error?: string;
  ms: number;
  calls: CallRecord[];
}

export interface LinkWorld {
  link: Link;
  /** An order to the shop's end (test/support/link-shop.ts). */
  shop<T = unknown>(cmd: 'push' | 'pushAll' | 'pull' | 'pullTwice', extra?: { maxMs?: number }): Promise<Answer<T>>;
  /** An order to the proxy; answers its counters. */
  proxy(order: { type: 'stats' } | { type: 'drop'; ms: number } | { type: 'configure'; faults: Partial<LinkFaults> }): Promise<LinkStats>;
  output(): string;
  close(): Promise<void>;
}

function captured(child: ChildProcess) {
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-40_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => out;
}

export async function linkWorld(opts: {
  shopDbUrl: string; hqDbUrl: string; hqAdminToken: string; shopCode: string; shopToken: string; kbit: number; rttMs: number;
}): Promise<LinkWorld> {
  const link = await makeLink('l');
  const dataDir = tempDataDir('comptoir-link-hq-');
  const outputs: (() => string)[] = [];
  const output = () => outputs.map((o) => o()).join('\n----\n');
  const close = async () => {
    await link.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    link.shape(opts.kbit);
    const hq = link.spawnIn(link.hqNs, 'server/main.ts', {
      DATABASE_URL: link.databaseUrl(opts.hqDbUrl), PORT: String(HQ_PORT), COMPTOIR_HQ_ADMIN_TOKEN: opts.hqAdminToken, DATA_DIR: dataDir, LOG_LEVEL: 'info',
    }, ['--hq']);
    const hqOut = captured(hq);
    outputs.push(hqOut);
    await new Promise<void>((resolve, reject) => {
      const started = Date.now();
      const timer = setInterval(() => {
        if (hqOut().includes('listening on')) resolve();
        else if (hq.exitCode !== null || Date.now() - started > 60_000) reject(new Error(`head office did not start:\n${hqOut()}`));
        else return;
        clearInterval(timer);
      }, 100);
    });
    const proxy = link.spawnIn(link.hqNs, 'test/support/link-proxy.ts', {
      LISTEN_HOST: link.hqAddress, LISTEN_PORT: String(PROXY_PORT), TARGET_PORT: String(HQ_PORT), RTT_MS: String(opts.rttMs),
    });
    outputs.push(captured(proxy));
    await nextMessage(proxy, (m) => m.type === 'ready', output, 30_000);
    const shop = link.spawnIn(link.shopNs, 'test/support/link-shop.ts', {
      DATABASE_URL: link.databaseUrl(opts.shopDbUrl), SHOP_CODE: opts.shopCode, HQ_URL: `http://${link.hqAddress}:${PROXY_PORT}`, HQ_TOKEN: opts.shopToken,
    });
    outputs.push(captured(shop));
    await nextMessage(shop, (m) => m.type === 'ready', output, 30_000);
    let nextId = 1;
    return {
      link, output, close,
      async shop(cmd, extra = {}) {
        const id = nextId++;
        const answer = nextMessage<Answer<never>>(shop, (m) => m.id === id, output, (extra.maxMs ?? 120_000) + 30_000);
        shop.send({ cmd, id, ...extra });
        return answer;
      },
      async proxy(order) {
        const answer = nextMessage<{ stats: LinkStats }>(proxy, (m) => m.type === 'stats', output, 10_000);
        proxy.send(order);
        return (await answer).stats;
      },
    };
  } catch (err) {
    await close();
    throw err;
  }
}
