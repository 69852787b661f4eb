import type { RequestHandler } from 'express';
import type { Logger } from '../logger.js';

/**
 * Behind a proxy left out of TRUST_PROXY, every client has the proxy's
 * address, and shares its counters of wrong secrets with every other: said
 * once in the log, so an upgraded head office behind Caddy gets configured.
 */
export function warnUntrustedForwarding(trusted: boolean, logger: Logger): RequestHandler {
  let warned = trusted;
  return (req, _res, next) => {
    if (!warned && req.headers['x-forwarded-for'] !== undefined) {
      warned = true;
      logger.warn({ from: req.socket.remoteAddress }, 'requests carry X-Forwarded-For but TRUST_PROXY is unset: every client counts as the proxy’s one address; set TRUST_PROXY (e.g. loopback behind Caddy)');
    }
    next();
  };
}
