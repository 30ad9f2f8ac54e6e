/**
 * Temporary folders for tests, removed when the test file ends, whether its tests pass or fail.
 *
 * Each test file runs in its own process, so the folders made here belong to one file: an
 * `after()` hook on the file's root removes them once its last test has ended, and an `exit`
 * handler catches whatever is left (a file that crashes before its hooks run).
 */
import { chmodSync, lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

const folders = new Set<string>();

/** Makes a new empty folder `<os temp>/<prefix>XXXXXX` that is removed when the test file ends. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  folders.add(dir);
  return dir;
}

/** Gives the owner write access to `dir` and every folder under it (tests make some read-only). */
function makeWritable(dir: string): void {
  try {
    chmodSync(dir, 0o700);
    for (const name of readdirSync(dir)) {
      const entry = join(dir, name);
      if (lstatSync(entry).isDirectory()) makeWritable(entry);
    }
  } catch {
    // gone already, or not ours: the removal below reports what is left
  }
}

/** Removes one folder and all it holds, read-only folders included. */
export function removeTempDir(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    makeWritable(dir);
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  }
  folders.delete(dir);
}

function removeAll(): void {
  for (const dir of folders) {
    try {
      removeTempDir(dir);
    } catch (error) {
      process.stderr.write(`could not remove the test folder ${dir}: ${String(error)}\n`);
    }
  }
}

after(removeAll);
process.on('exit', removeAll);
