/**
 * Creating a folder and its missing parents without `mkdir(…, { recursive: true })`, which on
 * Node 20 never returns for a path under a pseudo file system such as /proc (`/proc/x/y`: the
 * kernel answers ENOENT for `/proc/x` although `/proc` exists, and libuv retries for ever). The
 * CLI creates folders users name (`init DIR`, `--report FILE`, `output.path`), so a mistyped path
 * must end in an error, not a hang.
 */
import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

const codeOf = (error: unknown): string | undefined => (error as NodeJS.ErrnoException).code;

/**
 * Makes `path` (relative to the working folder) and its missing parents, one level at a time.
 * Resolves when it exists as a folder; rejects with the file system's error (ENOENT, EACCES,
 * EROFS, ENOTDIR when a file stands in the way, …) otherwise.
 */
export async function makeDirectory(path: string): Promise<void> {
  const missing: string[] = [];
  for (let at = resolve(path); ; at = dirname(at)) {
    try {
      if ((await stat(at)).isDirectory()) break;
      throw Object.assign(new Error(`ENOTDIR: not a folder, '${at}'`), { code: 'ENOTDIR', path: at });
    } catch (error: unknown) {
      if (codeOf(error) !== 'ENOENT' || dirname(at) === at) throw error;
      missing.push(at);
    }
  }
  for (const folder of missing.reverse()) {
    try {
      await mkdir(folder);
    } catch (error: unknown) {
      if (codeOf(error) !== 'EEXIST') throw error;
    }
  }
}
