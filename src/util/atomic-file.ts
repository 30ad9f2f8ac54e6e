/**
 * Durable small files: JSON written whole or not at all (temp file + fsync + rename), read back
 * tolerantly (a torn or foreign file is skipped, never fatal).
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Writes `data` as JSON to `file` atomically: readers see the old or the new content, never a mix. */
export async function writeJsonAtomic(file: string, data: unknown, mode = 0o600): Promise<void> {
  await writeTextAtomic(file, `${JSON.stringify(data, null, 2)}\n`, mode);
}

/** Writes `text` to `file` atomically (temp file + fsync + rename), with permission bits `mode`. */
export async function writeTextAtomic(file: string, text: string, mode = 0o644): Promise<void> {
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const handle = await open(temp, 'w', mode);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } finally {
    await rm(temp, { force: true }); // nothing left behind when the write or the rename fails
  }
}

/** Parses every `*.json` file of `dir` (absent folder = none); unreadable or torn files are skipped. */
export async function readJsonDir(dir: string): Promise<unknown[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const out: unknown[] = [];
  for (const name of names) {
    if (name.endsWith('.tmp')) {
      await rm(join(dir, name), { force: true }); // left by a crash mid-write
      continue;
    }
    if (!name.endsWith('.json')) continue;
    try {
      out.push(JSON.parse(await readFile(join(dir, name), 'utf8')));
    } catch {
      // A file we did not write whole: ignore it rather than refuse to start.
    }
  }
  return out;
}

/**
 * Serializes writes per id, so that two saves of one record land in the order they were asked
 * for (rename is atomic, but two concurrent renames could otherwise finish out of order).
 */
export class WriteQueue {
  readonly #tails = new Map<string, Promise<void>>();

  /** Runs `write` after every earlier write for `id`; resolves or rejects with it. */
  run(id: string, write: () => Promise<void>): Promise<void> {
    const previous = this.#tails.get(id) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(write);
    const tail = next.catch(() => undefined);
    this.#tails.set(id, tail);
    void tail.then(() => {
      if (this.#tails.get(id) === tail) this.#tails.delete(id);
    });
    return next;
  }

  /** Resolves when every queued write has settled. */
  async drain(): Promise<void> {
    await Promise.all([...this.#tails.values()]);
  }
}
