/**
 * Stage 1 of loading a manifest, and the only one that touches the disk: read the file, decode
 * it as UTF-8 (a BOM is dropped, invalid bytes are an error), then compile it.
 */
import { readFile, stat } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Diagnostic } from './diagnostic.js';
import { compileManifest, type CompileResult } from './compile.js';
import type { ProductionPlan } from './production.js';

/** Manifests larger than this are refused before reading (bytes): a storyboard is text. */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

/** Options of loadManifest. */
export interface LoadOptions {
  /** Overrides the manifest's `plan`. */
  readonly plan?: ProductionPlan;
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
  const fail = (message: string, code: string, hint?: string): LoadResult => ({
    diagnostics: [{ severity: 'error', code, file, line: 1, column: 1, pointer: '', message, ...(hint ? { hint } : {}) } satisfies Diagnostic],
  });
  let bytes: Buffer;
  try {
    const info = await stat(absolute);
    if (info.isDirectory()) return fail('is a folder, not a manifest file', 'file-is-folder', 'name a .yaml file, or use a shell glob such as films/*.yaml');
    if (info.size > MAX_MANIFEST_BYTES) return fail(`the manifest is ${info.size} bytes; at most ${MAX_MANIFEST_BYTES} are read`, 'file-too-large');
    bytes = await readFile(absolute);
  } catch (error: unknown) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return fail('no such file', 'file-not-found', 'check the path; it is relative to the current folder');
    if (code === 'EACCES' || code === 'EPERM') return fail('permission denied reading the manifest', 'file-unreadable');
    return fail(`could not read the manifest (${code ?? 'unknown error'})`, 'file-unreadable');
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    const offset = firstInvalidUtf8(bytes);
    const before = new TextDecoder('utf-8').decode(bytes.subarray(0, offset));
    const lines = before.split('\n');
    return {
      diagnostics: [{
        severity: 'error',
        code: 'file-not-utf8',
        file,
        line: lines.length,
        column: lines[lines.length - 1]!.length + 1,
        pointer: '',
        message: `the manifest is not valid UTF-8 (byte ${offset})`,
        hint: 'save the file as UTF-8',
      }],
    };
  }
  const result = compileManifest(file, text, {
    baseDir: dirname(absolute),
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
