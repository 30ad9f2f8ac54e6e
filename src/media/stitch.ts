/**
 * stitch(): the final cut from a StitchPlan (stitch-types.ts), in stages:
 *
 *   probe → conform each clip (conform.ts, kept by content in workDir)
 *         → picture: windows around transitions re-encoded, the rest listed for stream copy (timeline-video.ts)
 *         → sound: one PCM mix (audio-mix.ts) → two-pass loudnorm → AAC (loudness.ts)
 *         → captions (caption-files.ts) → final mux to a temp file beside the output, renamed (encode.ts)
 *         → loudness of the result measured.
 */
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { buildMixArgs, mixFilter, type ClipSound } from './audio-mix.js';
import { captionSidecars, removeCaptionSidecars, writeBurnScript, writeCaptionSidecars, type CaptionSidecars } from './caption-files.js';
import { conformClip, type ConformedClip } from './conform.js';
import { buildFinalArgs, containerFor } from './encode.js';
import { gopFrames, type HouseFormat } from './house-format.js';
import { buildNormalizeArgs, measureLoudness, measureResult, type LoudnessResult } from './loudness.js';
import { probe, type MediaProbe } from './probe.js';
import { runFfmpeg } from './process.js';
import { frameTimeline, planPieces, StitchPlanError, type FrameTimeline, type Piece } from './stitch-timeline.js';
import type { StitchOptions, StitchPlan, StitchResult } from './stitch-types.js';
import { buildConcatList, renderPieces, xfadeTransition } from './timeline-video.js';
import { writeTextAtomic } from '../util/atomic-file.js';
import { newRunId, runFileNames, tempBeside } from './work-files.js';

/**
 * Share of the progress bar per stage (sums to 100). `picture` runs alongside `mix` and
 * `loudness`, and `measure` alongside `final`: the bar is the weighted sum of every stage's own
 * percentage, so it moves whichever of two concurrent stages advances.
 */
const STAGES = { probe: 2, conform: 48, picture: 20, mix: 8, loudness: 12, final: 6, measure: 4 } as const;
type Stage = keyof typeof STAGES;

/** Reports overall progress from per-stage percentages, never decreasing. */
function progressReporter(onProgress: StitchOptions['onProgress']): (stage: Stage, percent: number) => void {
  const done = new Map<Stage, number>();
  let best = -1;
  return (stage, percent) => {
    done.set(stage, Math.max(done.get(stage) ?? 0, Math.max(0, Math.min(100, percent))));
    let overall = 0;
    for (const [s, p] of done) overall += (STAGES[s] * p) / 100;
    overall = Math.min(100, overall);
    if (overall > best) {
      best = overall;
      onProgress?.(overall, stage);
    }
  };
}

/** Awaits every task (so none is still writing when the caller cleans up), then throws the first failure. */
async function all<T extends readonly unknown[]>(tasks: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(tasks);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** What every stage of one stitch shares. */
interface StitchRun {
  readonly plan: StitchPlan;
  readonly binaries: StitchOptions['binaries'];
  readonly signal: AbortSignal | undefined;
  readonly report: (stage: Stage, percent: number) => void;
  readonly format: HouseFormat;
  readonly timeline: FrameTimeline;
  /** Absolute. */
  readonly workDir: string;
  /** Absolute. */
  readonly outPath: string;
  /** Film length, seconds, on the frame grid. */
  readonly length: number;
}

/** The files one stitch writes and removes again: per-run work files, the temp cut, the sidecars. */
interface StitchFiles {
  /** Base name in workDir (the final mux runs there). */
  readonly concatList: string;
  readonly mixWav: string;
  readonly filterScript: string;
  readonly audio: string;
  /** Base name in workDir. */
  readonly srtName: string;
  readonly finalTemp: string;
  readonly sidecars: CaptionSidecars;
}

/**
 * Renders the plan's final cut to `plan.output.path` (and .srt/.vtt/.words.json beside it for `sidecar`),
 * running the ffmpeg and ffprobe of `options.binaries`. Intermediate files live in `options.workDir`; conformed clips and transition windows stay
 * there and are reused by content. Nothing is ever left at or beside the output path on failure.
 * @throws StitchPlanError (plan unusable: no clips, unknown transition, transitions longer than
 *   clips), ProbeError (an input unreadable), FfmpegError (a run failed, or `reason: 'aborted'`
 *   when options.signal fired), LoudnessError.
 */
export async function stitch(plan: StitchPlan, options: StitchOptions): Promise<StitchResult> {
  const run = await prepare(plan, options);
  const probes = await probeInputs(run);
  const conformed = await conformClips(run, probes);
  const pieces = planPieces(run.timeline, gopFrames(run.format));
  const files = runFiles(run.workDir, run.outPath);
  let wroteSidecars = false;
  try {
    // Picture and sound side by side (the windows' x264 and the audio filters share the cores well).
    const [rendered] = await all<[number, void]>([renderPicture(run, pieces, conformed, files), mixSound(run, conformed, files)]);
    if (plan.output.subtitles === 'burn') await writeBurnScript(join(run.workDir, files.srtName), plan);
    const loudness = await finalCut(run, files);
    if (plan.output.subtitles === 'sidecar') {
      wroteSidecars = true;
      await writeCaptionSidecars(files.sidecars, plan);
    }
    run.signal?.throwIfAborted();
    await rename(files.finalTemp, run.outPath);
    run.report('final', 100); // 100 % only once the cut is at its path
    return {
      path: run.outPath,
      ...(plan.output.subtitles === 'sidecar' ? files.sidecars : {}),
      loudness: { integrated: loudness.integrated, truePeak: loudness.truePeak },
      stats: { conformed: conformed.filter((c) => !c.reused).length, reused: conformed.filter((c) => c.reused).length, windows: rendered },
    };
  } catch (error: unknown) {
    // Sidecars written just before a failure describe a cut that was not delivered.
    if (wroteSidecars) await removeCaptionSidecars(files.sidecars);
    throw error;
  } finally {
    await removeRunFiles(run.workDir, files);
  }
}

/** Checks the plan's timeline and transitions, creates the work folder, and gathers what every stage shares. */
async function prepare(plan: StitchPlan, options: StitchOptions): Promise<StitchRun> {
  const out = plan.output;
  const format: HouseFormat = { width: out.width, height: out.height, fps: out.fps, preset: options.preset ?? 'medium' };
  const timeline = frameTimeline(plan);
  for (const clip of timeline.clips) if (clip.transitionFrames > 0) xfadeTransition(clip.transition);
  const workDir = resolve(options.workDir);
  await mkdir(workDir, { recursive: true });
  const report = progressReporter(options.onProgress);
  const length = timeline.frames / format.fps;
  return { plan, binaries: options.binaries, signal: options.signal, report, format, timeline, workDir, outPath: resolve(out.path), length };
}

/**
 * Probes every input, clips, narration and cues (failing early, before any encoding, on an
 * unreadable file, a clip without picture or a sound without sound); returns the clips' probes.
 */
async function probeInputs(run: StitchRun): Promise<MediaProbe[]> {
  const { plan, signal, report } = run;
  const sounds = [...plan.narration, ...plan.cues];
  let probed = 0;
  const total = plan.clips.length + plan.narration.length + plan.cues.length;
  const probeOne = async (file: string): Promise<MediaProbe> => {
    const p = await probe(file, { ffprobePath: run.binaries.ffprobe, signal });
    report('probe', (++probed / total) * 100);
    return p;
  };
  const [probes, soundProbes] = await all<[MediaProbe[], MediaProbe[]]>([
    Promise.all(plan.clips.map((c) => probeOne(c.file))),
    Promise.all(sounds.map((item) => probeOne(item.file))),
  ]);
  probes.forEach((p, i) => {
    if (!p.video) throw new StitchPlanError(`clip ${plan.clips[i]?.id ?? i} (${plan.clips[i]?.file ?? ''}) has no picture`);
  });
  soundProbes.forEach((p, i) => {
    const item = sounds[i];
    if (!p.audio) throw new StitchPlanError(`${item?.id ?? i} (${item?.file ?? ''}) has no sound`);
  });
  report('probe', 100);
  return probes;
}

/** Conforms the clips to the house format one after another (kept in workDir and reused by content). */
async function conformClips(run: StitchRun, probes: readonly MediaProbe[]): Promise<ConformedClip[]> {
  const { plan, timeline, format, signal, report } = run;
  const conformed: ConformedClip[] = [];
  for (const [i, clip] of timeline.clips.entries()) {
    const source = plan.clips[clip.index];
    const p = probes[clip.index];
    if (!source || !p) throw new StitchPlanError(`clip ${clip.index} missing`);
    const c = await conformClip({ file: source.file, inPoint: source.inPoint, frames: clip.frames, probe: p, format }, run.workDir, {
      ffmpegPath: run.binaries.ffmpeg,
      signal,
      onProgress: (pc) => report('conform', ((i + pc / 100) / timeline.clips.length) * 100),
    });
    conformed.push(c);
    report('conform', ((i + 1) / timeline.clips.length) * 100);
  }
  return conformed;
}

/** Names this run's files: per-run work files (work-files.ts; sweepWorkDir knows them as litter of killed runs), the temp cut beside the output, the sidecars. */
function runFiles(workDir: string, outPath: string): StitchFiles {
  const names = runFileNames(newRunId());
  return {
    concatList: names.concatList,
    mixWav: join(workDir, names.mixWav),
    filterScript: join(workDir, names.filterScript),
    audio: join(workDir, names.audio),
    srtName: names.srt,
    finalTemp: tempBeside(outPath),
    sidecars: captionSidecars(outPath),
  };
}

/** Renders the transition windows and writes the concat list of the picture's pieces; returns the windows rendered now. */
async function renderPicture(run: StitchRun, pieces: readonly Piece[], conformed: readonly ConformedClip[], files: StitchFiles): Promise<number> {
  const { format, workDir, report } = run;
  const { files: pieceFiles, rendered } = await renderPieces(pieces, conformed, format, workDir, {
    ffmpegPath: run.binaries.ffmpeg,
    signal: run.signal,
    onProgress: (pc) => report('picture', pc),
  });
  await writeTextAtomic(join(workDir, files.concatList), buildConcatList(pieces, pieceFiles, format.fps));
  report('picture', 100);
  return rendered;
}

/** Mixes the clips' own sound, narration and cues to one PCM file, then normalizes its loudness (two passes) to the AAC. */
async function mixSound(run: StitchRun, conformed: readonly ConformedClip[], files: StitchFiles): Promise<void> {
  const { plan, timeline, format, length, signal, report } = run;
  const ffmpegPath = run.binaries.ffmpeg;
  const clipSounds: ClipSound[] = timeline.clips.map((clip, i) => ({
    file: conformed[i]?.audio ?? '',
    start: clip.startFrame / format.fps,
    duration: clip.frames / format.fps,
    fadeIn: (timeline.clips[i - 1]?.transitionFrames ?? 0) / format.fps,
    fadeOut: clip.transitionFrames / format.fps,
    gain: plan.clips[clip.index]?.gain ?? 0,
  }));
  const mixInput = { clips: clipSounds, narration: plan.narration, cues: plan.cues, length };
  await writeTextAtomic(files.filterScript, mixFilter(mixInput));
  await runFfmpeg(buildMixArgs(mixInput, files.filterScript, files.mixWav), { ffmpegPath, signal, expectedDuration: length, onProgress: (pc) => report('mix', pc) });
  const measured = await measureLoudness(files.mixWav, plan.output.loudness, { ffmpegPath, signal });
  report('loudness', 40);
  await runFfmpeg(buildNormalizeArgs(files.mixWav, plan.output.loudness, measured, files.audio), {
    ffmpegPath,
    signal,
    expectedDuration: length,
    onProgress: (pc) => report('loudness', 40 + pc * 0.6),
  });
}

/**
 * Muxes picture and sound (burning the subtitles in when asked) into the temp file beside the
 * output. The result's loudness is measured meanwhile on the AAC that goes into the file
 * unchanged (stream copy); returns it.
 */
async function finalCut(run: StitchRun, files: StitchFiles): Promise<LoudnessResult> {
  const { plan, timeline, format, signal, report } = run;
  const out = plan.output;
  const ffmpegPath = run.binaries.ffmpeg;
  await mkdir(dirname(run.outPath), { recursive: true });
  const args = buildFinalArgs({
    concatList: files.concatList,
    audio: files.audio,
    out: files.finalTemp,
    container: containerFor(run.outPath),
    title: out.title,
    burn: out.subtitles === 'burn' ? files.srtName : undefined,
    frames: timeline.frames,
    format,
  });
  const [, result] = await all<[void, LoudnessResult]>([
    runFfmpeg(args, { ffmpegPath, signal, cwd: run.workDir, expectedDuration: run.length, onProgress: (pc) => report('final', pc * 0.9) }),
    measureResult(files.audio, { ffmpegPath, signal }).then((m) => {
      report('measure', 100);
      return m;
    }),
  ]);
  return result;
}

/** Removes the temp cut and this run's per-run work files, whatever happened (conformed clips and windows stay). */
async function removeRunFiles(workDir: string, files: StitchFiles): Promise<void> {
  await rm(files.finalTemp, { force: true });
  for (const name of [files.concatList, basename(files.mixWav), basename(files.filterScript), basename(files.audio), files.srtName]) {
    await rm(join(workDir, name), { force: true });
  }
}
