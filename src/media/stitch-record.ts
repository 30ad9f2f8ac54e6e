/**
 * What the last cut written to an output path was made of (`final-<key of the path>.json` in the
 * work folder): the key over all its inputs and settings, and the identity (size, mtime) of the
 * file it wrote. A rerun whose key and output file are unchanged has nothing to do: it neither
 * probes nor hashes its footage (inputs are known by path, size and mtime, as the conform knows them).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeTextAtomic } from '../util/atomic-file.js';
import type { LoudnessResult } from './loudness.js';
import { exists, fileIdentity, workKey, type FileIdentity } from './work-files.js';

/** The record of one delivered cut. */
export interface CutRecord {
  /** Key over every input's identity and every setting of the cut (stitch.ts cutKey). */
  readonly key: string;
  /** The output as written: path, size, mtime. */
  readonly output: FileIdentity;
  readonly loudness: Pick<LoudnessResult, 'integrated' | 'truePeak'>;
}

/** Pure: the record file of an output path in the work folder. */
export function recordPath(workDir: string, outPath: string): string {
  return join(workDir, `final-${workKey({ output: outPath })}.json`);
}

/**
 * The record of the cut at `outPath` when it was made from `key` and the file there is still the
 * one written (same size and mtime) and every extra file (sidecars) exists; undefined otherwise.
 */
export async function upToDateCut(workDir: string, outPath: string, key: string, extras: readonly string[]): Promise<CutRecord | undefined> {
  const record = await readFile(recordPath(workDir, outPath), 'utf8').then(
    (text) => JSON.parse(text) as CutRecord,
    () => undefined,
  );
  if (!record || record.key !== key) return undefined;
  const now = await fileIdentity(outPath).catch(() => undefined);
  if (!now || now.size !== record.output.size || now.mtimeMs !== record.output.mtimeMs || now.path !== record.output.path) return undefined;
  for (const extra of extras) if (!(await exists(extra))) return undefined;
  return record;
}

/** Records the cut just delivered at `outPath` (after its rename). */
export async function recordCut(workDir: string, outPath: string, key: string, loudness: CutRecord['loudness']): Promise<void> {
  const record: CutRecord = { key, output: await fileIdentity(outPath), loudness: { integrated: loudness.integrated, truePeak: loudness.truePeak } };
  await writeTextAtomic(recordPath(workDir, outPath), JSON.stringify(record));
}
