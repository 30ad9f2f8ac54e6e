/**
 * The caption files one stitch writes: the sidecars beside the cut (.srt, .vtt, .words.json)
 * or the ASS script it burns, from the plan's caption track.
 */
import { rm } from 'node:fs/promises';
import { CAPTION_DEFAULTS } from '../captions/settings.js';
import { buildCaptionTrack, type CaptionTrack } from '../captions/track.js';
import { writeTextAtomic } from '../util/atomic-file.js';
import { buildAss } from './ass.js';
import type { StitchPlan } from './stitch-types.js';
import { buildSrt, buildVtt, buildWordsJson } from './subtitles.js';

/** Paths of the caption sidecars beside a cut. */
export interface CaptionSidecars {
  readonly srt: string;
  readonly vtt: string;
  readonly words: string;
}

/** Pure: the sidecar paths of the cut at `outPath` (`film.mp4` → `film.srt`, `film.vtt`, `film.words.json`). */
export function captionSidecars(outPath: string): CaptionSidecars {
  const stem = outPath.replace(/\.[^./\\]*$/, '');
  return { srt: `${stem}.srt`, vtt: `${stem}.vtt`, words: `${stem}.words.json` };
}

/** Pure: the plan's caption track, or one cut from the narration text alone when the plan has none. */
export function captionTrackOf(plan: StitchPlan): CaptionTrack {
  if (plan.captions) return plan.captions;
  const sources = plan.narration.map((n) => ({ sceneId: n.id, text: n.text, start: n.start, duration: n.duration }));
  return buildCaptionTrack(sources, plan.output.captions ?? CAPTION_DEFAULTS, plan.output.fps);
}

/** Writes the sidecars of the plan's captions. */
export async function writeCaptionSidecars(sidecars: CaptionSidecars, plan: StitchPlan): Promise<void> {
  const { cues } = captionTrackOf(plan);
  await writeTextAtomic(sidecars.srt, buildSrt(cues));
  await writeTextAtomic(sidecars.vtt, buildVtt(cues, plan.output.captionSafeBottom));
  await writeTextAtomic(sidecars.words, buildWordsJson(cues));
}

/** Removes the sidecars of a cut that was not delivered. */
export async function removeCaptionSidecars(sidecars: CaptionSidecars): Promise<void> {
  await Promise.all(Object.values(sidecars).map((file: string) => rm(file, { force: true })));
}

/** Writes the ASS script that burns the plan's captions into its picture. */
export async function writeBurnScript(file: string, plan: StitchPlan): Promise<void> {
  const { cues } = captionTrackOf(plan);
  await writeTextAtomic(file, buildAss(cues, plan.output.captions ?? CAPTION_DEFAULTS, plan.output.width, plan.output.height, plan.output.captionSafeBottom));
}
