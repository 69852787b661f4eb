/**
 * One reader of the Cookie header, for Express middleware and the live
 * socket's upgrade alike. A value that does not decode (`%E0%A4%A`) is
 * treated as absent: a client's malformed cookie is "no session", never an
 * exception that reaches the process or answers 500.
 */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0 || part.slice(0, eq).trim() !== name) continue;
    const raw = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(raw);
    } catch {
      return undefined;
    }
  }
  return undefined;
}
