/**
 * The keys of a MercaDream Local data folder: `<data>/keys.yaml`, made the first time with one
 * fresh `mk_test_` key per plan (free included) and reused after, so jobs stay visible to the
 * same keys across restarts (jobs belong to a hash of their key).
 */
import { link, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { generateKeySpecs, loadKeysFile, type KeySpec } from './keys.js';

/** The keys of `dataDir`, and whether this call made them. */
export async function ensureKeysFile(dataDir: string): Promise<{ specs: KeySpec[]; file: string; created: boolean }> {
  const file = join(dataDir, 'keys.yaml');
  try {
    return { specs: await loadKeysFile(file), file, created: false };
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dataDir, { recursive: true });
  const specs = generateKeySpecs();
  const header = '# MercaDream Local keys, made by mercadream-pipeline. Local test keys: keep them out of git.\n';
  // Written whole to a temp file, then linked into place: the name appears complete or not at
  // all, and a process that loses the race reads the winner's keys.
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temp, header + stringify({ keys: specs }), { mode: 0o600 });
  try {
    await link(temp, file);
    return { specs, file, created: true };
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return { specs: await loadKeysFile(file), file, created: false };
    throw error;
  } finally {
    await rm(temp, { force: true });
  }
}
