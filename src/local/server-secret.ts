/**
 * The server's own secret (32 random bytes in dataDir/server-secret, mode 0600): signs download
 * URLs and derives webhook secrets for keys that have none, so both survive a restart.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Reads the secret of `dataDir`, creating it on first use. Throws the fs error if it cannot. */
export async function loadServerSecret(dataDir: string): Promise<Buffer> {
  const file = join(dataDir, 'server-secret');
  try {
    const hex = (await readFile(file, 'utf8')).trim();
    if (/^[0-9a-f]{64}$/.test(hex)) return Buffer.from(hex, 'hex');
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secret = randomBytes(32);
  await writeFile(file, `${secret.toString('hex')}\n`, { mode: 0o600 });
  return secret;
}
