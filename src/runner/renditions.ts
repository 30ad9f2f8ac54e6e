/**
 * The runner's view of renditions: which cut the lock file records for each (a single `output:`
 * keeps only `final_cut`, so its lock file is as before renditions), whether a rendition's
 * caption sidecars are all there, and one QC outcome from every rendition's.
 */
import { access } from 'node:fs/promises';
import type { Production, Rendition } from '../manifest/production.js';
import type { QcOutcome } from '../media/qc/check-cut.js';
import { summarizeVerdicts } from '../qc/verdict.js';
import type { LockedCut, LockFile } from './lock.js';

/** Cuts by rendition name. */
export type RenditionCuts = Map<string, LockedCut>;

/** True when the production names its files with `outputs:` (its lock keeps `renditions`). */
export function hasOutputsList(production: Production): boolean {
  return production.renditions[0]?.pointer !== '/output';
}

/** The cuts a lock records for the production's renditions (the first's is `final_cut`); renditions no longer in the manifest are dropped. */
export function lockedCutsOf(lock: LockFile | undefined, production: Production): RenditionCuts {
  const cuts: RenditionCuts = new Map();
  const [first] = production.renditions;
  if (first && lock?.final_cut) cuts.set(first.name, lock.final_cut);
  for (const r of production.renditions) {
    const cut = lock?.renditions?.[r.name];
    if (cut) cuts.set(r.name, cut);
  }
  return cuts;
}

/** The lock's `final_cut` (the first rendition's) and, with `outputs:`, `renditions`, from what is known of each. */
export function lockCutFields(cuts: RenditionCuts, production: Production): Pick<LockFile, 'final_cut' | 'renditions'> {
  const first = cuts.get(production.renditions[0]!.name);
  const all = Object.fromEntries(production.renditions.flatMap((r) => (cuts.has(r.name) ? [[r.name, cuts.get(r.name)!]] : [])));
  return { ...(first ? { final_cut: first } : {}), ...(hasOutputsList(production) && Object.keys(all).length > 0 ? { renditions: all } : {}) };
}

/** Whether the caption sidecars a `sidecar` rendition delivers beside its file are all there (a deleted one is made again). */
export async function sidecarsPresent(rendition: Pick<Rendition, 'path' | 'subtitles'>): Promise<boolean> {
  if (rendition.subtitles !== 'sidecar') return true;
  const stem = rendition.path.replace(/\.[^./\\]*$/, '');
  const sidecars = ['.srt', '.vtt', '.words.json'].map((ext) => stem + ext); // as src/media/caption-files.ts names them
  const present = await Promise.all(
    sidecars.map((file) =>
      access(file).then(
        () => true,
        () => false,
      ),
    ),
  );
  return present.every(Boolean);
}

/**
 * One outcome from each rendition's QC: every verdict, naming its rendition's file when there
 * are several; the loudness graph and posters are the first rendition's (the sound is the same
 * in all, src/media/stitch-sound.ts).
 */
export function mergeQcOutcomes(outcomes: ReadonlyArray<{ readonly rendition: Rendition; readonly outcome: QcOutcome }>): QcOutcome {
  if (outcomes.length === 1) return outcomes[0]!.outcome;
  const verdicts = outcomes.flatMap(({ rendition, outcome }) => outcome.summary.verdicts.map((v) => ({ ...v, file: rendition.path, message: `${rendition.name}: ${v.message}` })));
  const first = outcomes[0]!.outcome;
  return { summary: summarizeVerdicts(verdicts), loudness: first.loudness, posters: first.posters };
}
