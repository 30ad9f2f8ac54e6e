/** Paths of the project under test, wherever the compiled tests run from. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'mercadream-pipeline') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package root not found above the test files');
    dir = parent;
  }
}

/** The repository root (where package.json is). */
export const ROOT = findRoot();
/** The CLI entry point as users run it. */
export const BIN = join(ROOT, 'bin', 'mercadream-pipeline.js');
