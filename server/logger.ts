import { pino, type Logger } from 'pino';

export type { Logger };

/** The one logger: structured JSON to stdout, one child per component. */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    base: { app: 'comptoir' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: ['req.headers.cookie', 'req.headers.authorization', '*.pin', '*.token'],
  });
}
