import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { ChangeBus } from '../events.js';
import { cookieValue } from '../http/cookies.js';
import { SESSION_COOKIE } from '../http/session.js';
import type { Logger } from '../logger.js';
import type { Services } from '../services.js';
import { sessionHash } from '../users/service.js';
import type { Views } from '../web/views.js';

interface Client {
  session: string;
  page: string;
  url: string;
  alive: boolean;
}

const HEARTBEAT_MS = 30_000;

/** What a page's own URL answers to htmx, and so what a live refresh replaces. */
const LIST_OF_PAGE: Record<string, string> = { stock: '#lots', ventes: '#sales-list', produits: '#product-list', parametres: '#sync-panel' };
// Pages that are mostly a form being filled (counting the drawer, a return): only the badge changes under them.
// Purchasing's pages are forms being typed (a delivery note line by line, an order's quantities): a reload would lose them.
// A stocktake is counted by scanner on several terminals at once, and a transfer's receipt is typed line by line: a count
// committed at one terminal reloaded the others' count form and swallowed the code being scanned there.
const FORM_PAGES = ['/caisse/session', '/retours', '/fournisseurs', '/commandes', '/receptions', '/retours-fournisseur', '/inventaires', '/transferts'];

type Refusal = 400 | 401 | 403 | 404 | 500 | 503;

/** An upgrade we refuse gets a plain HTTP status, then the socket is closed: never an exception, never a silent drop. */
function refuse(socket: Duplex, status: Refusal): void {
  if (!socket.writable) return void socket.destroy();
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/**
 * What an upgrade asks for, read without trusting any of it: a target that is
 * no URL (`//[`), an Origin that is `null` (a sandboxed frame on any page) or
 * names another host, a cookie that does not decode; each is a refusal.
 */
function readUpgrade(req: IncomingMessage): { refusal: Refusal } | { token: string; page: string; url: string } {
  let target: URL;
  try {
    target = new URL(req.url ?? '/', 'http://till');
  } catch {
    return { refusal: 400 };
  }
  if (target.pathname !== '/live') return { refusal: 404 };
  const origin = req.headers.origin;
  if (origin !== undefined) {
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined;
    }
    if (!host || host !== req.headers.host) return { refusal: 403 };
  }
  const token = cookieValue(req.headers.cookie, SESSION_COOKIE);
  if (!token) return { refusal: 401 };
  return { token, page: target.searchParams.get('page') ?? '', url: target.searchParams.get('url') ?? '' };
}

/**
 * Live tills over ws on the same HTTP server: the session is checked during
 * the upgrade, dead sockets are dropped by ping/pong, and after each commit
 * every till gets rendered fragments that htmx swaps out of band (its cart
 * with the lots it would now take, and a refresh of what it shows).
 */
export function attachLiveHub(server: Server, deps: { services: Services; views: Views; bus: ChangeBus; logger: Logger; timezone: string }) {
  const { services, views, bus, logger } = deps;
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  const clients = new Map<WebSocket, Client>();

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node hands the socket over bare: a client that resets it while we look its session up must not be an uncaught 'error'.
    socket.on('error', () => socket.destroy());
    let asked: ReturnType<typeof readUpgrade>;
    try {
      asked = readUpgrade(req);
    } catch (err) {
      logger.error({ err }, 'live upgrade failed');
      return refuse(socket, 500);
    }
    if ('refusal' in asked) return refuse(socket, asked.refusal);
    const { token, page, url } = asked;
    services.users.userOfSession(token).then(
      (user) => {
        if (!user) return refuse(socket, 401);
        if (socket.destroyed) return;
        wss.handleUpgrade(req, socket, head, (ws) => {
          clients.set(ws, { session: sessionHash(token), page, url, alive: true });
          ws.on('pong', () => {
            const c = clients.get(ws);
            if (c) c.alive = true;
          });
          ws.on('close', () => clients.delete(ws));
          ws.on('error', () => clients.delete(ws));
          ws.on('message', () => undefined); // tills only listen
        });
      },
      (err: unknown) => {
        // The database is away (a restart): the till's socket reconnects by itself later.
        logger.warn({ err }, 'live upgrade: session lookup failed');
        refuse(socket, 503);
      },
    ).catch((err: unknown) => {
      logger.error({ err }, 'live upgrade failed');
      socket.destroy();
    });
  });

  const heartbeat = setInterval(() => {
    for (const [ws, c] of clients) {
      if (!c.alive) {
        ws.terminate();
        clients.delete(ws);
        continue;
      }
      c.alive = false;
      ws.ping();
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();

  async function fragmentsFor(c: Client, sync: Awaited<ReturnType<Services['sync']['status']>>): Promise<string> {
    const parts = [views.fragment('sync/badge', { sync, oob: true })];
    if (FORM_PAGES.some((p) => c.url === p || c.url.startsWith(`${p}/`) || c.url.startsWith(`${p}?`))) return parts.join('\n');
    if (c.page === 'caisse') {
      const cart = await services.till.cart(c.session);
      // Only the lines and the total (another till's sale changes which lots they take): never the payment being typed.
      if (cart.lines.length > 0) parts.push(views.fragment('till/lines', { cart, oob: true, timezone: deps.timezone }));
      parts.push('<div id="live-refresh" hx-swap-oob="true"><span hx-get="/caisse/recherche" hx-include="#scan" hx-trigger="load" hx-target="#results" hx-swap="outerHTML"></span></div>');
    } else if (c.url.startsWith('/') && !c.url.startsWith('//')) {
      // Other pages reload the list they show (the fragment their URL answers with), never a form being filled.
      const url = c.url.replace(/["<>]/g, '');
      const target = LIST_OF_PAGE[c.page];
      const attrs = target
        ? `hx-get="${url}" hx-target="${target}" hx-swap="outerHTML"`
        : `hx-get="${url}" hx-headers='{"HX-Boosted":"true"}' hx-select="#main" hx-target="#main" hx-swap="outerHTML"`;
      parts.push(`<div id="live-refresh" hx-swap-oob="true"><span ${attrs} hx-trigger="load"></span></div>`);
    }
    return parts.join('\n');
  }

  let pending: NodeJS.Timeout | undefined;
  const push = async () => {
    pending = undefined;
    if (clients.size === 0) return;
    const sync = await services.sync.status();
    await Promise.all(
      [...clients].map(async ([ws, c]) => {
        if (ws.readyState !== WebSocket.OPEN) return;
        try {
          ws.send(await fragmentsFor(c, sync));
        } catch (err) {
          logger.warn({ err }, 'live update failed');
        }
      }),
    );
  };
  // Several commits in a burst (a delivery of twenty lots) become one update.
  bus.on('committed', () => {
    pending ??= setTimeout(() => void push().catch((err: unknown) => logger.warn({ err }, 'live update failed')), 100);
  });

  // A printer failure is shown on every till: the printer is the shop's, and the sale stands.
  bus.on('printFailed', (message) => {
    const html = views.fragment('till/feedback', { feedback: { error: message }, oob: true });
    for (const [ws, c] of clients) if (c.page === 'caisse' && ws.readyState === WebSocket.OPEN) ws.send(html);
  });

  return {
    clients: () => clients.size,
    /** Cuts every socket as a flaky link would (tills reconnect by themselves). */
    dropConnections: () => {
      for (const ws of clients.keys()) ws.terminate();
      clients.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(heartbeat);
        if (pending) clearTimeout(pending);
        for (const ws of clients.keys()) ws.terminate();
        wss.close(() => resolve());
      }),
  };
}
