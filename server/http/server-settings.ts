import type { Server } from 'node:http';

/**
 * Keep-alive outlasts a shop's link: Node closes a kept-alive connection 5 s
 * after it has handed an answer to the kernel, and over 384 kbit/s a 270 KB
 * page is still draining then, so every pull page paid a new TCP (and TLS)
 * handshake. 65 s also spans the minute between two pushes. The shop's client
 * lets its idle connections go at 62 s (server/sync/client.ts), before this.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;
/** Headers of a request: longer than keep-alive (Node's advice, so an idle connection is never cut as a request starts). */
export const HEADERS_TIMEOUT_MS = 70_000;
/**
 * A whole request: a push's largest body (256 KB gzipped) takes 65 s at
 * 32 kbit/s; five minutes leaves room, and still ends a client that trickles.
 */
export const REQUEST_TIMEOUT_MS = 300_000;

export function tuneForShopLinks(server: Server): void {
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
}
