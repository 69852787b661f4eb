import { lookup } from 'node:dns/promises';
import { isIpv4, networkPrinter, onShopNetwork, printerTarget } from '../domain/printer.js';
import { AppError } from '../errors.js';

const LOOKUP_MS = 3000;

/** The IPv4 addresses a printer's name stands for now; none when it does not resolve in time. */
async function addressesOf(host: string): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('lookup timed out')), LOOKUP_MS);
  });
  try {
    return (await Promise.race([lookup(host, { all: true, family: 4 }), late])).map((a) => a.address);
  } catch {
    return [];
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Where a receipt may go: `printerTarget`'s shapes, and for a network printer
 * only an address of the shop's own network (domain/printer.ts). A name is
 * resolved, and every address it has must be the shop's. Returns the target
 * to store (as typed, normalised) and the one to connect to (the name
 * replaced by the address that was checked, so a name that later resolves
 * elsewhere is refused then, not followed).
 */
export async function shopPrinterTarget(kind: 'none' | 'escpos' | 'cups', typed: string): Promise<{ stored: string; connect: string }> {
  const stored = printerTarget(kind, typed);
  if (stored === undefined) throw new AppError(422, 'printer_target_invalid', 'settings.printer_target_invalid', { target: typed });
  const net = kind === 'escpos' ? networkPrinter(stored) : undefined;
  if (!net) return { stored, connect: stored };
  const addresses = isIpv4(net.host) ? [net.host] : await addressesOf(net.host);
  if (addresses.length === 0) throw new AppError(422, 'printer_host_unknown', 'settings.printer_host_unknown', { host: net.host });
  const outside = addresses.find((a) => !onShopNetwork(a));
  if (outside) throw new AppError(422, 'printer_target_outside', 'settings.printer_target_outside', { target: stored, address: outside });
  return { stored, connect: `tcp://${addresses[0]}:${net.port}` };
}
