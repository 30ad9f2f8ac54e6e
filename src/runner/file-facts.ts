/**
 * What the runner learned about local files it does not own (footage, the final cut): their
 * SHA-256, media duration and colour transfer, kept in `<stateDir>/file-facts.json` by path with the size and
 * mtime they had then. A rerun takes a fact as long as the file's size and mtime are unchanged,
 * so it neither hashes nor probes footage that did not change; a file that changed is hashed or
 * probed again (and its SHA then compared with the lock's, as before). Saved atomically; a lost
 * or torn file only costs a rehash. Two productions of a batch sharing one state folder may each
 * save their own view: the last one wins, the other's facts are learned again next time.
 */
import { mkdir, readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { hashFile } from '../api/download.js';
import { writeTextAtomic } from '../util/atomic-file.js';

/** One file's facts, valid while its size (bytes) and mtime (ms) are these. */
interface Facts {
  readonly size: number;
  readonly mtimeMs: number;
  readonly sha256?: string;
  /**
   * Seconds of picture (media/probe.ts pictureSeconds; named apart from the `duration` of files
   * kept before, which was the container's and could outlast the picture).
   */
  readonly pictureSeconds?: number;
  /** ffprobe's `color_transfer` of the first video stream, '' when untagged (HDR warnings). */
  readonly transfer?: string;
}

/** The facts of a project's local files, read once per run and saved at its end. */
export class FileFacts {
  readonly #file: string;
  readonly #facts: Map<string, Facts>;
  #changed = false;

  private constructor(file: string, facts: Map<string, Facts>) {
    this.#file = file;
    this.#facts = facts;
  }

  /** Reads `file` (`<stateDir>/file-facts.json`); a missing or unreadable one starts empty. */
  static async open(file: string): Promise<FileFacts> {
    const known = await readFile(file, 'utf8').then(
      (text) => new Map(Object.entries(JSON.parse(text) as Record<string, Facts>)),
      () => new Map<string, Facts>(),
    );
    return new FileFacts(file, known);
  }

  /** SHA-256 (hex) of `path`'s content, hashed only when its size or mtime changed since last known. */
  async sha256(path: string): Promise<string> {
    return this.#learn(path, 'sha256', () => hashFile(path));
  }

  /** Seconds of picture of `path` by `probe` (pictureSeconds), probed only when its size or mtime changed since last known. */
  async duration(path: string, probe: () => Promise<number>): Promise<number> {
    return this.#learn(path, 'pictureSeconds', probe);
  }

  /** Colour transfer (ffprobe's name, '' when untagged) of `path` by `probe`, probed only when its size or mtime changed since last known. */
  async transfer(path: string, probe: () => Promise<string>): Promise<string> {
    return this.#learn(path, 'transfer', probe);
  }

  async #learn<K extends 'sha256' | 'pictureSeconds' | 'transfer'>(path: string, key: K, find: () => Promise<NonNullable<Facts[K]>>): Promise<NonNullable<Facts[K]>> {
    const absolute = resolve(path);
    const info = await stat(absolute);
    const before = this.#facts.get(absolute);
    const same = before && before.size === info.size && before.mtimeMs === info.mtimeMs ? before : { size: info.size, mtimeMs: info.mtimeMs };
    const known = same[key];
    if (known !== undefined) return known;
    const value = await find();
    // Stat again: a file rewritten while it was read keeps no fact.
    const after = await stat(absolute);
    if (after.size === info.size && after.mtimeMs === info.mtimeMs) {
      this.#facts.set(absolute, { ...same, [key]: value });
      this.#changed = true;
    }
    return value;
  }

  /** Writes the facts back when this run learned any (atomically). */
  async save(): Promise<void> {
    if (!this.#changed) return;
    await mkdir(dirname(this.#file), { recursive: true });
    await writeTextAtomic(this.#file, JSON.stringify(Object.fromEntries(this.#facts)));
    this.#changed = false;
  }
}
