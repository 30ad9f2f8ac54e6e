/** Random identifiers of MercaDream Local's objects: a prefix and 16 lowercase base-32 characters. */
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** `${prefix}_` + 16 random characters from a 32-letter alphabet (80 bits). */
export function newId(prefix: 'job' | 'ast' | 'req' | 'dlv'): string {
  const bytes = randomBytes(16);
  let out = '';
  for (const byte of bytes) out += ALPHABET[byte & 31];
  return `${prefix}_${out}`;
}

/** True when `value` has the shape of an id made by {@link newId} with `prefix`. */
export function isId(value: string, prefix: 'job' | 'ast'): boolean {
  return new RegExp(`^${prefix}_[${ALPHABET}]{16}$`).test(value);
}
