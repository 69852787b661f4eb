import fs from 'node:fs';
import { Readable } from 'node:stream';
import type { ReadableStream as WebStream } from 'node:stream/web';
import { Decrypter, Encrypter } from 'age-encryption';

/**
 * Backups sealed with age (age-encryption.org): a dump holds every PIN hash,
 * so with BACKUP_RECIPIENT set it is written only encrypted to that public
 * key; the identity that opens it stays off the machine. age encrypts in
 * 64 KiB chunks, each authenticated: the dump streams through in constant
 * memory, and a truncated or altered file fails instead of restoring half.
 */
export const SEALED_SUFFIX = '.age';
const MAGIC = 'age-encryption.org/v1\n';

/** Whether `value` is an age public key the library can encrypt to (X25519 `age1…`, or a post-quantum one). */
export function isRecipient(value: string): boolean {
  if (!value.startsWith('age1')) return false;
  try {
    new Encrypter().addRecipient(value);
    return true;
  } catch {
    return false;
  }
}

/** The secret keys in an identity file as age-keygen writes it (comment lines, one key a line). */
export function identitiesIn(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.startsWith('AGE-SECRET-KEY-'));
}

/** Whether a file is an age file (its header), whatever its name says. */
export function isSealedFile(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(MAGIC.length);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    return head.subarray(0, n).toString('latin1') === MAGIC;
  } finally {
    fs.closeSync(fd);
  }
}

/** `plain`, encrypted to the recipient, as it is read. */
export async function seal(plain: Readable, recipient: string): Promise<Readable> {
  const encrypter = new Encrypter();
  encrypter.addRecipient(recipient);
  return Readable.fromWeb(await encrypter.encrypt(Readable.toWeb(plain) as ReadableStream<Uint8Array>) as WebStream);
}

/**
 * `sealed`, decrypted with the first identity that matches. Rejects before
 * any byte is produced when none does; a damaged chunk errors the stream.
 */
export async function unseal(sealed: Readable, identities: string[]): Promise<Readable> {
  const decrypter = new Decrypter();
  for (const identity of identities) decrypter.addIdentity(identity);
  return Readable.fromWeb(await decrypter.decrypt(Readable.toWeb(sealed) as ReadableStream<Uint8Array>) as WebStream);
}
