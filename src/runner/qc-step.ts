/**
 * What the runner hands quality control and the review page: the film as QC sees it (from the
 * stitch plan and the manifest's `qc:` limits), the files to measure, and the injected steps
 * (src/media/qc/check-cut.ts and src/review/write.ts, bound by the CLI, the composition root).
 */
import type { Production, SubtitleMode } from '../manifest/production.js';
import type { CutFiles, QcOutcome } from '../media/qc/check-cut.js';
import { frameTimeline } from '../media/stitch-timeline.js';
import type { StitchPlan } from '../media/stitch-types.js';
import type { QcFilm } from '../qc/film.js';
import { resolveThresholds } from '../qc/thresholds.js';
import type { RunSummary } from './events.js';

/** `--qc`: `fail` fails a production whose cut fails a check; `warn` reports only; `off` measures nothing. */
export type QcMode = 'fail' | 'warn' | 'off';

/** Measures and judges a final cut (checkCut with the binaries bound); `workDir` takes its temporary stills. */
export type QualityControl = (film: QcFilm, files: CutFiles, context: { readonly workDir: string; readonly signal?: AbortSignal }) => Promise<QcOutcome>;

/** What a review page shows of one production. */
export interface ReviewInput {
  readonly name: string;
  readonly production: Production;
  readonly film: QcFilm;
  readonly files: CutFiles & { readonly vtt?: string };
  readonly summary: RunSummary;
  /** Absent with `--qc off` (or when QC could not run). */
  readonly outcome?: QcOutcome;
}

/** Writes a production's review page; resolves with its path. */
export type ReviewWriter = (input: ReviewInput) => Promise<string>;

/**
 * Pure: the film as QC sees it, on the frame grid the stitcher renders (stitch-timeline.ts): a
 * 0.4 s transition at 24 fps is 10 frames, so the cut is as long as its frames, not as Σd − Σt.
 */
export function qcFilmOf(plan: StitchPlan, production: Production): QcFilm {
  const grid = frameTimeline(plan);
  const fps = grid.fps;
  return {
    title: production.title,
    scenes: grid.clips.map((c) => {
      const clip = plan.clips[c.index]!;
      return { id: clip.id, start: c.startFrame / fps, duration: c.frames / fps, transition: { type: c.transition, duration: c.transitionFrames / fps } };
    }),
    narration: plan.narration.map((n) => ({ sceneId: n.id, start: n.start, duration: n.duration })),
    cues: plan.cues.map((c) => ({ id: c.id, start: c.start, duration: c.duration, duck: c.duck, fadeIn: c.fadeIn, fadeOut: c.fadeOut })),
    length: grid.frames / fps,
    fps: plan.output.fps,
    width: plan.output.width,
    height: plan.output.height,
    loudness: plan.output.loudness,
    thresholds: resolveThresholds(production.qc, plan.output.captions ?? production.output.captions),
  };
}

/**
 * Pure: the files of one cut (the production's `output`, or one rendition): the cut and, with
 * sidecar subtitles, the .srt (and .vtt for the player).
 */
export function cutFilesOf(output: { readonly path: string; readonly subtitles: SubtitleMode }): CutFiles & { readonly vtt?: string } {
  const cut = output.path;
  if (output.subtitles !== 'sidecar') return { cut };
  const stem = cut.replace(/\.[^./\\]*$/, '');
  return { cut, captions: `${stem}.srt`, vtt: `${stem}.vtt` };
}
