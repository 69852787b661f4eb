/**
 * Where a receipt may be sent. Nothing else is ever opened: a printer target
 * set by a manager must not become a way to write a file as the server.
 * - ESC/POS: `tcp://host:port` (or `host:port`; host a name or an IPv4 address), or a printer device `/dev/usb/lpN`, `/dev/lpN`;
 * - CUPS: a queue name handed to `lp -d` (letters, digits, `_ . -`, not starting with `-`).
 * Returns the target as it will be used, or undefined when it is none of those.
 */
export function printerTarget(kind: 'none' | 'escpos' | 'cups', target: string): string | undefined {
  const t = target.trim();
  if (kind === 'none') return '';
  if (kind === 'cups') return /^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,126}$/.test(t) ? t : undefined;
  if (/^\/dev\/(usb\/)?lp\d{1,2}$/.test(t)) return t;
  // No IPv6 literal: node-thermal-printer reads `tcp://[…]:9100` as a file name.
  const m = /^(?:tcp:\/\/)?([A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?):(\d{1,5})$/.exec(t);
  if (!m) return undefined;
  const port = Number(m[2]);
  return port >= 1 && port <= 65535 ? `tcp://${m[1]}:${port}` : undefined;
}

/** The host and port of a network target as `printerTarget` returns it; undefined for a device or a queue. */
export function networkPrinter(target: string): { host: string; port: number } | undefined {
  const m = /^tcp:\/\/([^:]+):(\d+)$/.exec(target);
  return m ? { host: m[1]!, port: Number(m[2]) } : undefined;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export const isIpv4 = (host: string): boolean => IPV4.test(host) && host.split('.').every((n) => Number(n) <= 255);

/**
 * Whether an IPv4 address is on the shop's own network: a private range
 * (10/8, 172.16/12, 192.168/16), link-local (169.254/16) or this machine
 * (127/8). A receipt printer is on the shop's LAN; a target anywhere else
 * would make the shop server send receipts (or anything a manager types) to
 * the internet, or probe it.
 */
export function onShopNetwork(address: string): boolean {
  if (!isIpv4(address)) return false;
  const [a, b] = address.split('.').map(Number) as [number, number];
  return a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254);
}
