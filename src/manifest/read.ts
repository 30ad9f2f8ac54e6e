/**
 * Stage 1 of loading a manifest, and the only one that touches the disk: read the file, decode
 * it as UTF-8 (a BOM is dropped, invalid bytes are an error), then compile it.
 */
import { open, stat } from 'node:fs/promises';
import { constants, realpathSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Diagnostic } from './diagnostic.js';
import { compileManifest, type CompileResult } from './compile.js';
import type { PaidPlan } from './production.js';

/**
 * Manifests larger than this are refused (bytes). The largest valid film (5,000 scenes with
 * long prompts) fits well inside; parsing a much larger YAML document costs gigabytes.
 */
export const MAX_MANIFEST_BYTES = 2 * 1024 * 1024;

/** How long a pipe may stay silent before reading it is given up (milliseconds). */
export const PIPE_IDLE_MS = 10_000;

/** Options of loadManifest. */
export interface LoadOptions {
  /** Overrides the manifest's `plan`. */
  readonly plan?: PaidPlan;
  /** Allow `source:`/`output.path` outside the manifest's folder. */
  readonly allowOutsidePaths?: boolean;
}

/** A loaded manifest: the compile result plus the text, for printing source excerpts. */
export interface LoadResult extends CompileResult {
  readonly text?: string;
}

/**
 * Reads and compiles the manifest at `file` (as the user gave it; relative to the working
 * folder). Never throws for bad input: a missing file, a folder, unreadable or non-UTF-8
 * bytes each come back as one diagnostic.
 */
export async function loadManifest(file: string, options: LoadOptions = {}): Promise<LoadResult> {
  const absolute = resolve(file);
  const fail = (message: string, code: string, hint?: string): LoadResult =>
    unusable({ severity: 'error', code, file, line: 1, column: 1, pointer: '', message, ...(hint ? { hint } : {}) });
  let bytes: Buffer;
  try {
    const info = await stat(absolute);
    if (info.isDirectory()) return fail('is a folder, not a manifest file', 'file-is-folder', 'name a .yaml file, or use a shell glob such as films/*.yaml');
    if (info.size > MAX_MANIFEST_BYTES) return fail(tooLarge(info.size), 'file-too-large');
    // Read at most one byte past the cap: special files (/dev/zero, pipes) report no size.
    const read = await readBounded(absolute, MAX_MANIFEST_BYTES + 1, info.isFIFO());
    if (read === 'silent') return fail(`the pipe gave nothing to read for ${PIPE_IDLE_MS / 1000} s`, 'file-unreadable', 'write the manifest into the pipe, or name a file');
    if (read.length > MAX_MANIFEST_BYTES) return fail(tooLarge(read.length, true), 'file-too-large');
    if (read.length === 0 && info.isFIFO()) return fail('is a named pipe that nothing is writing to', 'file-unreadable', 'write the manifest into the pipe first, or name a file');
    bytes = read;
  } catch (error: unknown) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return fail('no such file', 'file-not-found', 'check the path; it is relative to the current folder');
    if (code === 'EACCES' || code === 'EPERM') return fail('permission denied reading the manifest', 'file-unreadable');
    if (code === 'ELOOP') return fail('the path goes round a loop of symbolic links', 'file-unreadable');
    return fail(`could not read the manifest (${code ?? 'unknown error'})`, 'file-unreadable');
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    const offset = firstInvalidUtf8(bytes);
    const before = new TextDecoder('utf-8').decode(bytes.subarray(0, offset));
    const lines = before.split('\n');
    return unusable({
      severity: 'error',
      code: 'file-not-utf8',
      file,
      line: lines.length,
      column: lines[lines.length - 1]!.length + 1,
      pointer: '',
      message: `the manifest is not valid UTF-8 (byte ${offset})`,
      hint: 'save the file as UTF-8',
    });
  }
  const result = compileManifest(file, text, {
    baseDir: dirname(absolute),
    realPath,
    fileExists: (path) => {
      try {
        return statSync(path).isFile();
      } catch {
        return false;
      }
    },
    ...(options.plan ? { plan: options.plan } : {}),
    ...(options.allowOutsidePaths ? { allowOutsidePaths: true } : {}),
  });
  return { ...result, text };
}

function tooLarge(size: number, atLeast = false): string {
  return `the manifest is ${atLeast ? 'more than ' : ''}${atLeast ? MAX_MANIFEST_BYTES : size} bytes; at most ${MAX_MANIFEST_BYTES} (2 MiB) are read`;
}

/**
 * Reads up to `limit` bytes of `path`. A pipe is opened without waiting for a writer (a named
 * pipe nobody writes to would block forever, and every other manifest on the command line with
 * it): with no writer it reads as empty, and a writer that stays silent for PIPE_IDLE_MS gives
 * 'silent'.
 */
async function readBounded(path: string, limit: number, pipe = false): Promise<Buffer | 'silent'> {
  const handle = await open(path, pipe ? constants.O_RDONLY | constants.O_NONBLOCK : 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    let idleSince = Date.now();
    while (total < limit) {
      const buffer = Buffer.alloc(Math.min(64 * 1024, limit - total));
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(buffer, 0, buffer.length, null));
      } catch (error: unknown) {
        if (!pipe || (error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
        // A writer is there but has not written yet.
        if (Date.now() - idleSince > PIPE_IDLE_MS) return 'silent';
        await sleep(20);
        continue;
      }
      idleSince = Date.now();
      if (bytesRead === 0) break;
      chunks.push(buffer.subarray(0, bytesRead));
      total += bytesRead;
    }
    return Buffer.concat(chunks);
  } finally {
    await handle.close();
  }
}

/**
 * The path with every symbolic link resolved; for a path that does not exist yet (an output),
 * its deepest existing folder is resolved and the rest appended.
 */
function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    const parent = dirname(path);
    return parent === path ? path : join(realPath(parent), basename(path));
  }
}

/** Offset of the first byte where `bytes` stops being valid UTF-8. */
function firstInvalidUtf8(bytes: Buffer): number {
  const lenient = new TextDecoder('utf-8').decode(bytes);
  let from = 0;
  for (;;) {
    const at = lenient.indexOf('\uFFFD', from);
    if (at < 0) return bytes.length;
    const offset = Buffer.byteLength(lenient.slice(0, at));
    // A real U+FFFD in the file (EF BF BD) is valid; keep looking past it.
    if (!(bytes[offset] === 0xef && bytes[offset + 1] === 0xbf && bytes[offset + 2] === 0xbd)) return offset;
    from = at + 1;
  }
}

/** The result for a file that could not be read as a manifest at all: one diagnostic. */
function unusable(diagnostic: Diagnostic): LoadResult {
  return { productions: [], diagnostics: [diagnostic], valid: [], rejected: [{ diagnostics: [diagnostic] }] };
}
