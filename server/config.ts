import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { t } from './i18n/fr.js';
import { isRecipient } from './ops/seal.js';

export type Role = 'shop' | 'hq';

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).optional(),
  DATABASE_URL: z.string().url().optional(),
  DATA_DIR: z.string().min(1).optional(),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1024).max(65535).optional(),
  SHOP_CODE: z
    .string()
    .regex(/^[A-Z0-9]{2,12}$/, 'SHOP_CODE: 2 to 12 capital letters or digits, e.g. DKR01')
    .refine((c) => c !== 'HQ', 'SHOP_CODE: HQ is head office’s own code')
    .default('DKR01'),
  SHOP_NAME: z.string().min(1).default('Pharmacie Comptoir'),
  HQ_URL: z.string().url().optional(),
  HQ_TOKEN: z.string().min(1).optional(),
  HQ_ALLOW_HTTP: z.enum(['0', '1']).optional(),
  BACKUP_COPY_DIR: z.string().min(1).optional(),
  BACKUP_RECIPIENT: z.string().trim().refine(isRecipient, t('ops.bad_recipient')).optional(),
  DB_WAIT_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),
  COMPTOIR_ADMIN_PIN: z
    .string()
    .regex(/^\d{4,8}$/, 'COMPTOIR_ADMIN_PIN: 4 to 8 digits')
    .optional(),
  COMPTOIR_HQ_ADMIN_TOKEN: z.string().min(16).optional(),
  TZ: z.string().optional(),
  LISTEN_ADDRESS: z.string().refine((a) => a === 'localhost' || isIP(a) !== 0, t('validation.listen_address')).optional(),
  PUBLIC_URL: z.url({ protocol: /^https?$/, error: t('validation.public_url') }).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Hardening II: the proxies whose X-Forwarded-For is believed (Express's list: loopback, uniquelocal, addresses, CIDRs).
  TRUST_PROXY: z
    .string()
    .refine((v) => v.split(',').every((p) => isProxyName(p.trim())), 'TRUST_PROXY: loopback, linklocal, uniquelocal, or addresses and CIDR ranges separated by commas')
    .optional(),
});

export interface Config {
  role: Role;
  port: number;
  /** The address the HTTP server listens on; undefined: every interface (the shop's default: its tills are on the LAN). */
  listenAddress: string | undefined;
  /** The address people type (head office behind TLS: https://…); https makes every cookie Secure and sends HSTS. */
  publicUrl: string | undefined;
  databaseUrl: string | undefined;
  dataDir: string;
  embeddedPgPort: number;
  shopCode: string;
  shopName: string;
  timezone: string;
  hqUrl: string | undefined;
  hqToken: string | undefined;
  /** A mounted USB stick (or any folder) that receives a copy of each nightly backup. */
  backupCopyDir: string | undefined;
  /** An age public key: every backup is sealed to it; the identity that opens them stays off the machine. */
  backupRecipient: string | undefined;
  /** How long to wait for an external database to accept connections at start. */
  dbWaitSeconds: number;
  adminPin: string | undefined;
  hqAdminToken: string | undefined;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  /** The proxies whose forwarded address is believed; false: none, the socket's address is the client's. */
  trustProxy: string | false;
}

export class ConfigError extends Error {}

/** One entry of TRUST_PROXY: a name Express knows, an address, or a CIDR range. */
function isProxyName(p: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(p)) return true;
  const [address, bits, extra] = p.split('/');
  if (extra !== undefined || !address || isIP(address) === 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (isIP(address) === 4 ? 32 : 128);
}

function validTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('fr-FR', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Loopback, private ranges (RFC 1918, fc00::/7) and mDNS names: the shop's own network. */
export function isLocalHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost') || h.endsWith('.local') || h === '::1') return true;
  if (/^(fc|fd)[0-9a-f]{2}:/.test(h)) return true;
  const m = /^(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}$/.exec(h);
  if (!m) return false;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}

/**
 * Sales and tokens cross the internet to head office: a plain http:// address
 * outside the shop's own network is refused unless HQ_ALLOW_HTTP=1 says so.
 */
function checkedHqUrl(url: string | undefined, allowHttp: boolean): string | undefined {
  if (!url) return undefined;
  const u = new URL(url);
  if (u.protocol === 'http:' && !allowHttp && !isLocalHost(u.hostname)) {
    throw new ConfigError(t('ops.hq_http_refused', { host: u.hostname }));
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ConfigError(t('ops.hq_http_refused', { host: u.hostname }));
  return url;
}

/** Reads the environment once, at start; everything else receives a Config. */
export function loadConfig(role: Role, env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable (HQ_URL= in a compose file) means unset.
  const parsed = envSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(t('ops.bad_environment', { lines: lines.join('\n') }));
  }
  const e = parsed.data;
  const timezone = e.TZ ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC';
  if (!validTimezone(timezone)) throw new ConfigError(t('ops.bad_environment', { lines: `  TZ: ${t('ops.unknown_timezone', { tz: timezone })}` }));
  const isShop = role === 'shop';
  return {
    role,
    port: e.PORT ?? (isShop ? 3000 : 4000),
    // Head office reaches the internet only through its TLS proxy on the same machine.
    listenAddress: e.LISTEN_ADDRESS ?? (isShop ? undefined : '127.0.0.1'),
    publicUrl: e.PUBLIC_URL,
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.DATA_DIR ?? (isShop ? './data' : './data-hq')),
    embeddedPgPort: e.EMBEDDED_PG_PORT ?? (isShop ? 54330 : 54340),
    shopCode: e.SHOP_CODE,
    shopName: e.SHOP_NAME,
    timezone,
    hqUrl: checkedHqUrl(e.HQ_URL, e.HQ_ALLOW_HTTP === '1'),
    hqToken: e.HQ_TOKEN,
    backupCopyDir: e.BACKUP_COPY_DIR ? path.resolve(e.BACKUP_COPY_DIR) : undefined,
    backupRecipient: e.BACKUP_RECIPIENT,
    dbWaitSeconds: e.DB_WAIT_SECONDS,
    adminPin: e.COMPTOIR_ADMIN_PIN,
    hqAdminToken: e.COMPTOIR_HQ_ADMIN_TOKEN,
    logLevel: e.LOG_LEVEL,
    trustProxy: e.TRUST_PROXY ?? false,
  };
}
