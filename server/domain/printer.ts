/**
 * Where a receipt may be sent. Nothing else is ever opened: a printer target
 * set by a manager must not become a way to write a file as the server.
 * - ESC/POS: `tcp://host:port` (or `host:port`), or a printer device `/dev/usb/lpN`, `/dev/lpN`;
 * - CUPS: a queue name handed to `lp -d` (letters, digits, `_ . -`, not starting with `-`).
 * Returns the target as it will be used, or undefined when it is none of those.
 */
export function printerTarget(kind: 'none' | 'escpos' | 'cups', target: string): string | undefined {
  const t = target.trim();
  if (kind === 'none') return '';
  if (kind === 'cups') return /^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,126}$/.test(t) ? t : undefined;
  if (/^\/dev\/(usb\/)?lp\d{1,2}$/.test(t)) return t;
  const m = /^(?:tcp:\/\/)?([A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$/.exec(t);
  if (!m) return undefined;
  const port = Number(m[2]);
  return port >= 1 && port <= 65535 ? `tcp://${m[1]}:${port}` : undefined;
}
