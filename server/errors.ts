import { t, type MessageKey, type MessageParams } from './i18n/fr.js';

/**
 * The one error type that reaches a user: a stable code for scripts, an HTTP
 * status, and a French message from the catalogue. Anything else that is
 * thrown is a bug and is answered as a 500 with a generic message.
 */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    status: number,
    code: string,
    messageKey: MessageKey,
    params: MessageParams = {},
    details?: Record<string, unknown>,
  ) {
    super(t(messageKey, params));
    this.name = 'AppError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export const notFound = (key: MessageKey = 'error.not_found', params?: MessageParams) =>
  new AppError(404, 'not_found', key, params);
