import path from 'node:path';
import { z } from 'zod';
import { t } from './i18n/fr.js';

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
  COMPTOIR_ADMIN_PIN: z
    .string()
    .regex(/^\d{4,8}$/, 'COMPTOIR_ADMIN_PIN: 4 to 8 digits')
    .optional(),
  COMPTOIR_HQ_ADMIN_TOKEN: z.string().min(16).optional(),
  TZ: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface Config {
  role: Role;
  port: number;
  databaseUrl: string | undefined;
  dataDir: string;
  embeddedPgPort: number;
  shopCode: string;
  shopName: string;
  timezone: string;
  hqUrl: string | undefined;
  hqToken: string | undefined;
  adminPin: string | undefined;
  hqAdminToken: string | undefined;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
}

export class ConfigError extends Error {}

function validTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('fr-FR', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Reads the environment once, at start; everything else receives a Config. */
export function loadConfig(role: Role, env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
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
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.DATA_DIR ?? (isShop ? './data' : './data-hq')),
    embeddedPgPort: e.EMBEDDED_PG_PORT ?? (isShop ? 54330 : 54340),
    shopCode: e.SHOP_CODE,
    shopName: e.SHOP_NAME,
    timezone,
    hqUrl: e.HQ_URL,
    hqToken: e.HQ_TOKEN,
    adminPin: e.COMPTOIR_ADMIN_PIN,
    hqAdminToken: e.COMPTOIR_HQ_ADMIN_TOKEN,
    logLevel: e.LOG_LEVEL,
  };
}
