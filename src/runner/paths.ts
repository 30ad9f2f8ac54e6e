/** Where a production keeps its state: `.mercadream/` and its lock file, beside the manifest. */
import { join } from 'node:path';
import { manifestStem } from '../manifest/normalize.js';
import type { Production } from '../manifest/production.js';

/** `<manifest folder>/.mercadream`: cache, job records, MercaDream Local's data, work files. */
export function stateDirOf(production: Production): string {
  return join(production.baseDir, '.mercadream');
}

/**
 * `<manifest folder>/<manifest name>.lock.json`; a production expanded from a matrix gets
 * `<manifest name>.<its matrix values>.lock.json`.
 */
export function lockPathOf(production: Production): string {
  const stem = manifestStem(production.file);
  const variant = production.variant ? `.${production.variant}` : '';
  return join(production.baseDir, `${stem}${variant}.lock.json`);
}
