/** The one place where snake_case rows become camelCase objects. */
const cache = new Map<string, string>();

function camel(key: string): string {
  let out = cache.get(key);
  if (out === undefined) {
    out = key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    cache.set(key, out);
  }
  return out;
}

export function toCamel<T>(row: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(row)) out[camel(key)] = row[key];
  return out as T;
}
