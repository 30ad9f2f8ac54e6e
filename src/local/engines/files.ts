/**
 * Temporary files for the engines: a private work folder per render, and outputs written
 * beside their destination then renamed into place (a reader never sees half a file).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Runs `fn` with a fresh folder under the OS temp folder (`mercadream-XXXXXX`) and removes the
 * folder afterwards.
 */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), 'mercadream-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Gives `write` a temporary path beside `outFile` (same folder, so the rename is atomic),
 * then renames it to `outFile`. The temporary file is removed when `write` throws.
 */
export async function writeAtomically<T>(outFile: string, write: (tmpFile: string) => Promise<T>): Promise<T> {
  const tmp = path.join(path.dirname(outFile), `.${path.basename(outFile)}.${randomBytes(4).toString('hex')}.partial`);
  try {
    const result = await write(tmp);
    await rename(tmp, outFile);
    return result;
  } catch (error: unknown) {
    await rm(tmp, { force: true });
    throw error;
  }
}
