/**
 * Probes kept in the work folder by the input's path, size and mtime (`probe-<key>.json`), so a
 * re-stitch does not run ffprobe again on footage that has not changed.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeTextAtomic } from '../util/atomic-file.js';
import { probe, type MediaProbe, type ProbeOptions } from './probe.js';
import { fileIdentity, workKey } from './work-files.js';

/** Bump when MediaProbe's shape changes. */
const PROBE_VERSION = 2;

/**
 * The probe of `file`: from `workDir` when this path, size and mtime were probed before, else
 * probed now and kept.
 * @throws ProbeError (file missing or unreadable)
 */
export async function cachedProbe(file: string, workDir: string, options: ProbeOptions): Promise<MediaProbe> {
  const identity = await fileIdentity(file).catch(() => undefined);
  if (!identity) return probe(file, options); // missing: ffprobe names the problem
  const kept = join(workDir, `probe-${workKey({ v: PROBE_VERSION, ...identity })}.json`);
  const known = await readFile(kept, 'utf8').then(
    (text) => JSON.parse(text) as MediaProbe,
    () => undefined,
  );
  if (known) return known;
  const probed = await probe(file, options);
  await writeTextAtomic(kept, JSON.stringify(probed));
  return probed;
}
