/**
 * stitch(): the final cut from a StitchPlan (stitch-types.ts), in stages:
 *
 *   keys of every input (path, size, mtime) → nothing to do when the last cut at the output path
 *         was made of the same (stitch-record.ts)
 *   probe (kept by identity, probe-cache.ts)
 *   → conform each clip (conform.ts: stream copy of house-format clips, re-encode of the others)
 *   → picture: windows around transitions re-encoded, the rest listed for stream copy (timeline-video.ts)
 *   → sound: one PCM mix, one measurement, a static gain to AAC (stitch-sound.ts)
 *   → captions (caption-files.ts) → final mux to a temp file beside the output, renamed (encode.ts).
 *
 * Conforms, windows and the sound's steps run side by side in one pool of as many ffmpeg
 * processes as the machine has cores (`os.availableParallelism()`), each x264 on its share of the
 * cores; a window starts as soon as its clips are conformed, the sound once all are. Conformed
 * clips, windows and the sound are kept in workDir by the content key of their inputs and
 * parameters, so a rerun makes only what changed.
 */
import { availableParallelism } from 'node:os';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import PQueue from 'p-queue';
import { setMaxListeners } from 'node:events';
import type { ClipSound, MixInput } from './audio-mix.js';
import { captionSidecars, captionTrackOf, removeCaptionSidecars, writeBurnScript, writeCaptionSidecars, type CaptionSidecars } from './caption-files.js';
import { CONFORM_SOUND_VERSION, CONFORM_VERSION, conformClip, conformTarget, type ConformedClip } from './conform.js';
import { buildFinalArgs, containerFor } from './encode.js';
import { gopFrames, HOUSE_PRESET, type HouseFormat } from './house-format.js';
import { houseExtradata } from './house-match.js';
import type { MediaProbe } from './probe.js';
import { cachedProbe } from './probe-cache.js';
import { runFfmpeg } from './process.js';
import { filmSound, SOUND_VERSION, soundFiles, soundKey, type FilmSound } from './stitch-sound.js';
import { recordCut, upToDateCut } from './stitch-record.js';
import { checkReframe } from './reframe.js';
import { frameTimeline, planPieces, StitchPlanError, type FrameTimeline, type Piece, type WindowPiece } from './stitch-timeline.js';
import type { StitchOptions, StitchPlan, StitchResult } from './stitch-types.js';
import { buildConcatList, pieceFileNames, renderWindow, windowFileName, xfadeTransition } from './timeline-video.js';
import { writeTextAtomic } from '../util/atomic-file.js';
import { exists, newRunId, runFileNames, sweepPartialsBeside, tempBeside, workKey } from './work-files.js';

/**
 * Pool priorities: conforms gate everything; the sound is one serial chain of four runs (mix,
 * measure, gain + AAC, measure) that would otherwise wait behind every window and then run alone,
 * so it goes before the windows, which fill the other cores meanwhile.
 */
const PRIORITY = { conform: 2, sound: 1, window: 0 } as const;

/**
 * Bump when the final mux changes in a way the cut key does not otherwise capture.
 * 3: burned captions drawn in R'G'B' and converted back with BT.709 (encode.ts burnChain).
 */
const CUT_VERSION = 3;

/**
 * The version of everything that turns a stitch plan into a file: the final mux, the conform's
 * picture and sound, the mix. A runner records it among a cut's inputs (runner/run.ts
 * `stitchVersion`), so a change to any of them re-renders a cut that the plan alone would call up
 * to date: a film made before every encode was tagged BT.709 is made again, tagged.
 */
export const STITCHER_VERSION = `cut ${CUT_VERSION}, conform ${CONFORM_VERSION}/${CONFORM_SOUND_VERSION}, sound ${SOUND_VERSION}`;

/**
 * Share of the progress bar per stage (sums to 100). Stages run side by side: the bar is the
 * weighted sum of every stage's own percentage, so it moves whichever stage advances.
 */
const STAGES = { probe: 2, conform: 30, picture: 30, mix: 10, loudness: 14, final: 14 } as const;
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

/**
 * Awaits every task (so none is still writing when the caller cleans up) and throws the failure
 * that came first in time; the first failure aborts `controller`, so the others stop early.
 */
async function every<T>(controller: AbortController, tasks: readonly Promise<T>[]): Promise<T[]> {
  let first: { error: unknown } | undefined;
  const watched = tasks.map((task) =>
    task.catch((error: unknown) => {
      first ??= { error };
      controller.abort(error);
      throw error;
    }),
  );
  const settled = await Promise.allSettled(watched);
  if (first) throw first.error;
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/** What every stage of one stitch shares. */
interface StitchRun {
  readonly plan: StitchPlan;
  readonly binaries: StitchOptions['binaries'];
  /** Aborted by the caller's signal or by the first failure of a stage. */
  readonly controller: AbortController;
  readonly signal: AbortSignal;
  readonly report: (stage: Stage, percent: number) => void;
  readonly format: HouseFormat;
  readonly timeline: FrameTimeline;
  /** Absolute. */
  readonly workDir: string;
  /** Absolute. */
  readonly outPath: string;
  /** Film length, seconds, on the frame grid. */
  readonly length: number;
  /** Whether house-format clips are stream-copied (StitchOptions.reencodeAll off). */
  readonly copies: boolean;
  /** Runs one ffmpeg step in the pool (at most `jobs` at once), higher `priority` first (PRIORITY). */
  readonly schedule: <T>(step: () => Promise<T>, priority: number) => Promise<T>;
  /** Cores of the machine (os.availableParallelism) and ffmpeg processes run at once. */
  readonly cores: number;
  readonly jobs: number;
}

/** The files one stitch writes and removes again: per-run work files, the temp cut, the sidecars. */
interface StitchFiles {
  /** Base name in workDir (the final mux runs there). */
  readonly concatList: string;
  readonly mixWav: string;
  readonly filterScript: string;
  /** Base name in workDir. */
  readonly burnScriptName: string;
  readonly finalTemp: string;
  readonly sidecars: CaptionSidecars;
}

/** What a cut is made of, known from the inputs' identities alone (nothing probed or decoded). */
interface CutInputs {
  /** Per timeline clip: its conform's key and kept files. */
  readonly targets: readonly Pick<ConformedClip, 'key' | 'video' | 'audio'>[];
  readonly pieces: readonly Piece[];
  readonly mix: MixInput;
  /** Key over everything the delivered file depends on. */
  readonly cutKey: string;
}

/**
 * Renders the plan's final cut to `plan.output.path` (and .srt/.vtt/.words.json beside it for `sidecar`),
 * running the ffmpeg and ffprobe of `options.binaries`. Intermediate files live in
 * `options.workDir`; conformed clips, transition windows and the sound stay there and are reused
 * by content. When the cut at the output path was made of the same inputs and is untouched, it
 * returns at once. Nothing is ever left at or beside the output path on failure.
 * @throws StitchPlanError (plan unusable: no clips, unknown transition, transitions longer than
 *   clips), ProbeError (an input unreadable), FfmpegError (a run failed, or `reason: 'aborted'`
 *   when options.signal fired), LoudnessError.
 */
export async function stitch(plan: StitchPlan, options: StitchOptions): Promise<StitchResult> {
  const run = await prepare(plan, options);
  const files = runFiles(run.workDir, run.outPath);
  const inputs = await cutInputs(run).catch(() => undefined); // a missing input: probing names it below
  const extras = plan.output.subtitles === 'sidecar' ? [files.sidecars.srt, files.sidecars.vtt, files.sidecars.words] : [];
  const known = inputs && (await upToDateCut(run.workDir, run.outPath, inputs.cutKey, extras));
  if (known) {
    run.report('final', 100);
    const stats = { conformed: 0, reused: run.timeline.clips.length, windows: 0, copied: 0, upToDate: true };
    return { path: run.outPath, ...(plan.output.subtitles === 'sidecar' ? files.sidecars : {}), loudness: known.loudness, stats };
  }
  const probes = await probeInputs(run);
  const made = inputs ?? (await cutInputs(run));
  await sweepPartialsBeside(run.outPath);
  let wroteSidecars = false;
  try {
    const { conformed, windows, sound } = await produce(run, made, probes, files);
    if (plan.output.subtitles === 'burn') await writeBurnScript(join(run.workDir, files.burnScriptName), plan);
    await finalCut(run, files, sound);
    if (plan.output.subtitles === 'sidecar') {
      wroteSidecars = true;
      await writeCaptionSidecars(files.sidecars, plan);
    }
    run.signal.throwIfAborted();
    await rename(files.finalTemp, run.outPath);
    await recordCut(run.workDir, run.outPath, made.cutKey, sound.loudness);
    run.report('final', 100); // 100 % only once the cut is at its path
    return {
      path: run.outPath,
      ...(plan.output.subtitles === 'sidecar' ? files.sidecars : {}),
      loudness: { integrated: sound.loudness.integrated, truePeak: sound.loudness.truePeak },
      stats: {
        conformed: conformed.filter((c) => !c.reused).length,
        reused: conformed.filter((c) => c.reused).length,
        windows,
        copied: conformed.filter((c) => c.picture === 'copy').length,
        sound: sound.normalized,
      },
    };
  } catch (error: unknown) {
    // Sidecars written just before a failure describe a cut that was not delivered.
    if (wroteSidecars) await removeCaptionSidecars(files.sidecars);
    throw error;
  } finally {
    await removeRunFiles(run.workDir, files);
  }
}

/**
 * Checks the output's frame size (positive even integers: yuv420p halves both) and caption safe
 * area (a fraction from 0 to below 1).
 * @throws StitchPlanError naming the parameter
 */
function checkOutputShape(out: StitchPlan['output']): void {
  for (const [name, value] of [
    ['width', out.width],
    ['height', out.height],
  ] as const) {
    if (!Number.isInteger(value) || value <= 0 || value % 2 !== 0) throw new StitchPlanError(`output.${name} ${value} is not a positive even number of pixels`);
  }
  const safe = out.captionSafeBottom;
  if (safe !== undefined && !(Number.isFinite(safe) && safe >= 0 && safe < 1)) {
    throw new StitchPlanError(`output.captionSafeBottom ${safe} is not a fraction of the height from 0 to below 1`);
  }
}

/** Checks the plan's timeline and transitions, creates the work folder, and gathers what every stage shares. */
async function prepare(plan: StitchPlan, options: StitchOptions): Promise<StitchRun> {
  const out = plan.output;
  const format: HouseFormat = { width: out.width, height: out.height, fps: out.fps, preset: options.preset ?? HOUSE_PRESET };
  const timeline = frameTimeline(plan);
  for (const clip of timeline.clips) if (clip.transitionFrames > 0) xfadeTransition(clip.transition);
  checkOutputShape(out);
  plan.clips.forEach((clip, i) => checkReframe(clip.reframe, `clip "${clip.id}" (${i + 1})`));
  const workDir = resolve(options.workDir);
  await mkdir(workDir, { recursive: true });
  const controller = new AbortController();
  if (options.signal?.aborted) controller.abort(options.signal.reason);
  options.signal?.addEventListener('abort', () => controller.abort(options.signal?.reason), { once: true });
  const cores = availableParallelism();
  const jobs = Math.max(1, Math.min(cores, options.jobs ?? cores));
  const queue = new PQueue({ concurrency: jobs });
  // Every running ffmpeg and ffprobe listens to the signal (execa's cancelSignal): one probe per input at once, then the pool.
  setMaxListeners(10 + jobs + plan.clips.length + plan.narration.length + plan.cues.length, controller.signal);
  return {
    plan,
    binaries: options.binaries,
    controller,
    signal: controller.signal,
    report: progressReporter(options.onProgress),
    format,
    timeline,
    workDir,
    outPath: resolve(out.path),
    length: timeline.frames / format.fps,
    copies: options.reencodeAll !== true,
    schedule: (step, priority) => queue.add(step, { priority, throwOnTimeout: true }),
    cores,
    jobs,
  };
}

/** The keys of everything the cut is made of, from the plan and the inputs' identities. */
async function cutInputs(run: StitchRun): Promise<CutInputs> {
  const { plan, timeline, format, workDir } = run;
  const targets = await Promise.all(
    timeline.clips.map((clip) => {
      const source = plan.clips[clip.index]!;
      return conformTarget(
        { file: source.file, inPoint: source.inPoint, frames: clip.frames, format, shortMedia: source.shortMedia, reframe: source.reframe },
        workDir,
        run.copies,
      );
    }),
  );
  const pieces = planPieces(timeline, gopFrames(format));
  const mix = mixInput(run, targets);
  const out = plan.output;
  // The cues as cut and timed (from the speech when the plan carries its track), so a change of timing re-stitches.
  const subtitles = out.subtitles === 'none' ? [] : captionTrackOf(plan).cues;
  const cutKey = workKey({
    v: CUT_VERSION,
    pieces: pieceFileNames(pieces, targets, format),
    sound: await soundKey(mix, out.loudness),
    output: { ...out, path: run.outPath, cues: subtitles },
    format,
    frames: timeline.frames,
  });
  return { targets, pieces, mix, cutKey };
}

/** The mix of the clips' own sound (conformed WAVs), narration and cues on the frame grid. */
function mixInput(run: StitchRun, targets: readonly Pick<ConformedClip, 'audio'>[]): MixInput {
  const { plan, timeline, format, length } = run;
  const clips: ClipSound[] = timeline.clips.map((clip, i) => ({
    file: targets[i]?.audio ?? '',
    start: clip.startFrame / format.fps,
    duration: clip.frames / format.fps,
    fadeIn: (timeline.clips[i - 1]?.transitionFrames ?? 0) / format.fps,
    fadeOut: clip.transitionFrames / format.fps,
    gain: plan.clips[clip.index]?.gain ?? 0,
  }));
  return { clips, narration: plan.narration, cues: plan.cues, length };
}

/**
 * Probes every input, clips, narration and cues (failing early, before any encoding, on an
 * unreadable file, a clip without picture or a sound without sound); returns the clips' probes.
 * Probes are kept in workDir by the input's identity.
 */
async function probeInputs(run: StitchRun): Promise<MediaProbe[]> {
  const { plan, signal, report } = run;
  const sounds = [...plan.narration, ...plan.cues];
  let probed = 0;
  const total = plan.clips.length + plan.narration.length + plan.cues.length;
  const probeOne = async (file: string): Promise<MediaProbe> => {
    const p = await cachedProbe(file, run.workDir, { ffprobePath: run.binaries.ffprobe, signal });
    report('probe', (++probed / total) * 100);
    return p;
  };
  const [probes, soundProbes] = await Promise.all([Promise.all(plan.clips.map((c) => probeOne(c.file))), Promise.all(sounds.map((item) => probeOne(item.file)))]);
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

/**
 * Conforms, renders the windows and makes the sound side by side in the pool: each window once
 * its clips are conformed, the sound once every clip is. Writes the concat list.
 */
async function produce(
  run: StitchRun,
  inputs: CutInputs,
  probes: readonly MediaProbe[],
  files: StitchFiles,
): Promise<{ conformed: ConformedClip[]; windows: number; sound: FilmSound }> {
  const windows = inputs.pieces.filter((p): p is WindowPiece => p.kind === 'window');
  const threads = await threadShare(run, inputs, windows);
  const conforms = conformClips(run, probes, threads, inputs.targets);
  const allConformed = Promise.all(conforms);
  let windowsDone = 0;
  const renders = windows.map(async (window) => {
    // Timeline clip k is plan clip k: a window waits for the conforms of its parts only.
    await Promise.all(window.parts.map((p) => conforms[p.clip] ?? Promise.reject(new StitchPlanError(`no clip ${p.clip}`))));
    const done = await run.schedule(
      () => renderWindow(window, inputs.targets, run.format, run.workDir, { ffmpegPath: run.binaries.ffmpeg, signal: run.signal, threads }),
      PRIORITY.window,
    );
    run.report('picture', (++windowsDone / windows.length) * 100);
    return done.rendered;
  });
  const sound = allConformed.then(() => soundOf(run, inputs.mix, files));
  const conformedAll = every(run.controller, conforms);
  const renderedAll = every(run.controller, renders);
  await every<unknown>(run.controller, [conformedAll, renderedAll, sound]);
  const [conformed, rendered, made] = [await conformedAll, await renderedAll, await sound];
  await writeTextAtomic(join(run.workDir, files.concatList), buildConcatList(inputs.pieces, pieceFileNames(inputs.pieces, conformed, run.format), run.format.fps));
  run.report('picture', 100);
  return { conformed, windows: rendered.filter(Boolean).length, sound: made };
}

/**
 * x264 threads of each encode: the cores shared by the processes that will run at once, that is
 * the pool's size or, when fewer things are to be made (one window after one transition changed),
 * that many, so a lone window still uses every core.
 */
async function threadShare(run: StitchRun, inputs: CutInputs, windows: readonly WindowPiece[]): Promise<number> {
  const missing = async (file: string): Promise<number> => ((await exists(file)) ? 0 : 1);
  const counts = await Promise.all([
    ...windows.map((w) => missing(join(run.workDir, windowFileName(w, inputs.targets, run.format)))),
    ...inputs.targets.map((t) => missing(t.video)),
    missing(soundFiles(run.workDir, await soundKey(inputs.mix, run.plan.output.loudness)).file),
  ]);
  const busy = counts.reduce((sum, n) => sum + n, 0);
  return Math.max(1, Math.floor(run.cores / Math.min(run.jobs, Math.max(1, busy))));
}

/**
 * Starts every clip's conform in the pool (kept in workDir and reused by content; house-format
 * clips stream-copied) under the keys the cut was planned with; one promise per timeline clip.
 */
function conformClips(run: StitchRun, probes: readonly MediaProbe[], threads: number, targets: CutInputs['targets']): Promise<ConformedClip>[] {
  const { plan, timeline, format, signal, report } = run;
  let reference: Promise<string> | undefined;
  const extradata = (): Promise<string> => (reference ??= houseExtradata(format, run.workDir, { ffmpegPath: run.binaries.ffmpeg, ffprobePath: run.binaries.ffprobe }));
  let done = 0;
  return timeline.clips.map((clip, k) =>
    run.schedule(async () => {
      const source = plan.clips[clip.index];
      const p = probes[clip.index];
      if (!source || !p) throw new StitchPlanError(`clip ${clip.index} missing`);
      const request = { file: source.file, inPoint: source.inPoint, frames: clip.frames, probe: p, format, shortMedia: source.shortMedia, reframe: source.reframe };
      const copy = run.copies ? { ffprobePath: run.binaries.ffprobe, extradataHash: extradata } : undefined;
      const c = await conformClip(request, run.workDir, { ffmpegPath: run.binaries.ffmpeg, signal, threads, copy, target: targets[k] });
      report('conform', (++done / timeline.clips.length) * 100);
      return c;
    }, PRIORITY.conform),
  );
}

/** The film's sound (stitch-sound.ts), its ffmpeg steps in the pool. */
function soundOf(run: StitchRun, mix: MixInput, files: StitchFiles): Promise<FilmSound> {
  return filmSound({
    mix,
    target: run.plan.output.loudness,
    workDir: run.workDir,
    mixWav: files.mixWav,
    filterScript: files.filterScript,
    ffmpegPath: run.binaries.ffmpeg,
    signal: run.signal,
    schedule: (step) => run.schedule(step, PRIORITY.sound),
    onProgress: (stage, percent) => run.report(stage, percent),
  });
}

/** Names this run's files: per-run work files (work-files.ts; sweepWorkDir knows them as litter of killed runs), the temp cut beside the output, the sidecars. */
function runFiles(workDir: string, outPath: string): StitchFiles {
  const names = runFileNames(newRunId());
  return {
    concatList: names.concatList,
    mixWav: join(workDir, names.mixWav),
    filterScript: join(workDir, names.filterScript),
    burnScriptName: names.srt,
    finalTemp: tempBeside(outPath),
    sidecars: captionSidecars(outPath),
  };
}

/** Muxes picture and sound (burning the subtitles in when asked) into the temp file beside the output. */
async function finalCut(run: StitchRun, files: StitchFiles, sound: FilmSound): Promise<void> {
  const { plan, timeline, format, signal, report } = run;
  const out = plan.output;
  await mkdir(dirname(run.outPath), { recursive: true });
  const args = buildFinalArgs({
    concatList: files.concatList,
    audio: sound.file,
    out: files.finalTemp,
    container: containerFor(run.outPath),
    title: out.title,
    burn: out.subtitles === 'burn' ? files.burnScriptName : undefined,
    frames: timeline.frames,
    format,
  });
  await runFfmpeg(args, { ffmpegPath: run.binaries.ffmpeg, signal, cwd: run.workDir, expectedDuration: run.length, onProgress: (pc) => report('final', pc * 0.95) });
}

/** Removes the temp cut and this run's per-run work files, whatever happened (conformed clips, windows and the sound stay). */
async function removeRunFiles(workDir: string, files: StitchFiles): Promise<void> {
  await rm(files.finalTemp, { force: true });
  for (const name of [files.concatList, basename(files.mixWav), basename(files.filterScript), files.burnScriptName]) {
    await rm(join(workDir, name), { force: true });
  }
}
