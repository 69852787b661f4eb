import type { Db } from '../server/db/pool.js';
import type { ShopContext } from '../server/context.js';
import { formatDateTimeFr } from '../server/domain/dates.js';
import { AppError } from '../server/errors.js';
import { hqService } from '../server/hq/service.js';
import { registerShopSchema, staffLoginParam, staffPasswordSchema, staffUserSchema } from '../server/hq/schemas.js';
import { parse } from '../server/http/validate.js';
import { t, type MessageKey } from '../server/i18n/fr.js';
import type { Logger } from '../server/logger.js';
import type { Services } from '../server/services.js';
import { staffService } from '../server/staff/service.js';

/**
 * Hardening II: who may get in, and ending it. Disable and enable people,
 * change a PIN or a password, list and end sessions, rotate a shop's token,
 * read the audit. Secrets are read from a prompt or stdin, never from the
 * command line (it stays in the shell's history and in `ps`).
 */

/** What a command runs against: the shop's services, or head office's database. */
export interface AccessContext {
  db: Db;
  logger: Logger;
  shop?: ShopContext | undefined;
  services?: Services | undefined;
  timezone: string;
}

export interface AccessIo {
  print(line: string): void;
  /** A secret typed at a hidden prompt (twice when `confirm`), or the first line of stdin. */
  secret(prompt: string, confirm: boolean): Promise<string>;
  /** Who runs the command, as the audit names them. */
  operator: string;
}

export interface AccessValues {
  id?: string | undefined;
  user?: string | undefined;
  login?: string | undefined;
  name?: string | undefined;
  role?: string | undefined;
  password?: string | undefined;
  code?: string | undefined;
}

interface AccessCommand {
  role: 'shop' | 'hq';
  /** A usage refusal, said before anything is opened. */
  refuse?(v: AccessValues): MessageKey | undefined;
  run(ctx: AccessContext, v: AccessValues, io: AccessIo): Promise<number>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const needsId = (v: AccessValues): MessageKey | undefined => (v.id && UUID.test(v.id) ? undefined : 'cli.access.id_usage');
const needsLogin = (v: AccessValues): MessageKey | undefined => (v.login ? undefined : 'cli.access.login_usage');
const services = (ctx: AccessContext) => ctx.services!;
const staff = (ctx: AccessContext) => staffService({ db: ctx.db, logger: ctx.logger, now: () => new Date() });
const when = (ctx: AccessContext, d: Date) => formatDateTimeFr(d, ctx.timezone);

async function newPin(io: AccessIo): Promise<string> {
  const pin = (await io.secret(t('cli.access.pin_prompt'), true)).trim();
  if (!/^\d{4,8}$/.test(pin)) throw new AppError(400, 'pin_format', 'cli.access.pin_format');
  return pin;
}

async function newPassword(io: AccessIo): Promise<string> {
  const password = await io.secret(t('cli.access.password_prompt'), true);
  if (!password) throw new AppError(400, 'password_missing', 'cli.access.password_missing');
  return parse(staffPasswordSchema, { password }).password;
}

const SHOP_COMMANDS: Record<string, AccessCommand> = {
  'user disable': {
    role: 'shop', refuse: needsId,
    async run(ctx, v, io) {
      const { user, sessionsEnded } = await services(ctx).users.setActive(v.id!, false, io.operator);
      io.print(t('cli.access.user_disabled', { name: user.name, n: sessionsEnded }));
      return 0;
    },
  },
  'user enable': {
    role: 'shop', refuse: needsId,
    async run(ctx, v, io) {
      const { user } = await services(ctx).users.setActive(v.id!, true, io.operator);
      io.print(t('cli.access.user_enabled', { name: user.name }));
      return 0;
    },
  },
  'user pin': {
    role: 'shop', refuse: needsId,
    async run(ctx, v, io) {
      const { user, sessionsEnded } = await services(ctx).users.changePin(v.id!, await newPin(io), io.operator);
      io.print(t('cli.access.pin_changed', { name: user.name, n: sessionsEnded }));
      return 0;
    },
  },
  'session list': {
    role: 'shop',
    async run(ctx, _v, io) {
      const sessions = await services(ctx).users.listSessions();
      if (sessions.length === 0) io.print(t('cli.access.no_sessions'));
      for (const s of sessions) {
        io.print(t('cli.access.session_line', { id: s.id, who: `${s.userName} (${t(`role.${s.role}`)})`, opened: when(ctx, s.createdAt), expires: when(ctx, s.expiresAt), from: s.client ?? '—' }));
      }
      return 0;
    },
  },
  'session end': {
    role: 'shop',
    refuse: (v) => ((v.id && UUID.test(v.id)) || (v.user && UUID.test(v.user)) ? undefined : 'cli.access.session_end_usage'),
    async run(ctx, v, io) {
      if (v.id) {
        await services(ctx).users.endSession(v.id, io.operator);
        io.print(t('cli.access.sessions_ended', { n: 1 }));
      } else {
        io.print(t('cli.access.sessions_ended', { n: await services(ctx).users.endSessionsOf(v.user!, io.operator) }));
      }
      return 0;
    },
  },
  audit: {
    role: 'shop',
    async run(ctx, _v, io) {
      return printAudit(ctx, await services(ctx).users.auditLog(50), io);
    },
  },
};

const HQ_COMMANDS: Record<string, AccessCommand> = {
  'hq user add': {
    role: 'hq',
    refuse: (v) => (v.password !== undefined ? 'cli.access.password_on_command_line' : needsLogin(v)),
    async run(ctx, v, io) {
      const input = parse(staffUserSchema, { login: v.login, name: v.name ?? v.login, role: v.role, password: await newPassword(io) });
      const user = await staff(ctx).addUser(input, io.operator);
      io.print(t('cli.hq_user_created', { login: user.login, role: t(`hq.role.${user.role}`) }));
      return 0;
    },
  },
  'hq user disable': {
    role: 'hq', refuse: needsLogin,
    async run(ctx, v, io) {
      const { user, sessionsEnded } = await staff(ctx).setActive(parse(staffLoginParam, v.login), false, io.operator);
      io.print(t('cli.access.staff_disabled', { login: user.login, n: sessionsEnded }));
      return 0;
    },
  },
  'hq user enable': {
    role: 'hq', refuse: needsLogin,
    async run(ctx, v, io) {
      const { user } = await staff(ctx).setActive(parse(staffLoginParam, v.login), true, io.operator);
      io.print(t('cli.access.staff_enabled', { login: user.login }));
      return 0;
    },
  },
  'hq user password': {
    role: 'hq',
    refuse: (v) => (v.password !== undefined ? 'cli.access.password_on_command_line' : needsLogin(v)),
    async run(ctx, v, io) {
      const login = parse(staffLoginParam, v.login);
      const { user, sessionsEnded } = await staff(ctx).changePassword(login, await newPassword(io), io.operator);
      io.print(t('cli.access.password_changed', { login: user.login, n: sessionsEnded }));
      return 0;
    },
  },
  'hq session list': {
    role: 'hq',
    async run(ctx, _v, io) {
      const sessions = await staff(ctx).listSessions();
      if (sessions.length === 0) io.print(t('cli.access.no_sessions'));
      for (const s of sessions) {
        io.print(t('cli.access.session_line', { id: s.id, who: `${s.login} (${s.name})`, opened: when(ctx, s.createdAt), expires: when(ctx, s.expiresAt), from: s.client ?? '—' }));
      }
      return 0;
    },
  },
  'hq session end': {
    role: 'hq',
    refuse: (v) => ((v.id && UUID.test(v.id)) || v.login ? undefined : 'cli.access.hq_session_end_usage'),
    async run(ctx, v, io) {
      if (v.id) {
        await staff(ctx).endSession(v.id, io.operator);
        io.print(t('cli.access.sessions_ended', { n: 1 }));
      } else {
        io.print(t('cli.access.sessions_ended', { n: await staff(ctx).endSessionsOf(parse(staffLoginParam, v.login), io.operator) }));
      }
      return 0;
    },
  },
  'shop rotate-token': {
    role: 'hq',
    refuse: (v) => (v.code ? undefined : 'cli.access.code_usage'),
    async run(ctx, v, io) {
      const { code } = parse(registerShopSchema.pick({ code: true }), { code: v.code });
      const { token } = await hqService({ db: ctx.db, logger: ctx.logger, now: () => new Date() }).rotateToken(code, io.operator);
      io.print(t('cli.access.token_rotated', { code, token }));
      return 0;
    },
  },
  'hq audit': {
    role: 'hq',
    async run(ctx, _v, io) {
      return printAudit(ctx, await staff(ctx).auditLog(50), io);
    },
  },
};

function printAudit(ctx: AccessContext, rows: { at: Date; actor: string; action: string; target: string }[], io: AccessIo): number {
  if (rows.length === 0) io.print(t('cli.access.no_audit'));
  for (const r of rows) io.print(t('cli.access.audit_line', { at: when(ctx, r.at), actor: r.actor, action: t(`audit.${r.action}` as MessageKey), target: r.target }));
  return 0;
}

/** The access command of that name, if it is one. */
export function accessCommand(name: string): AccessCommand | undefined {
  return SHOP_COMMANDS[name] ?? HQ_COMMANDS[name];
}

/** A hidden prompt on a terminal (echo off), else the first line of stdin. */
export async function readSecret(prompt: string, confirm: boolean): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const c of stdin) chunks.push(c as Buffer);
    return (Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '');
  }
  const first = await hidden(prompt);
  if (confirm && (await hidden(t('cli.access.confirm_prompt'))) !== first) throw new AppError(400, 'secret_mismatch', 'cli.access.secret_mismatch');
  return first;
}

function hidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let value = '';
    const done = (err?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new AppError(400, 'cancelled', 'cli.access.cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}
