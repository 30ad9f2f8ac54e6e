/**
 * stitch(): the final cut from a StitchPlan (stitch-types.ts), in stages:
 *
 *   probe → conform each clip (conform.ts, kept by content in workDir)
 *         → picture: windows around transitions re-encoded, the rest listed for stream copy (timeline-video.ts)
 *         → sound: one PCM mix (audio-mix.ts) → two-pass loudnorm → AAC (loudness.ts)
 *         → subtitles (subtitles.ts) → final mux to a temp file beside the output, renamed (encode.ts)
 *         → loudness of the result measured.
 */
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { buildMixArgs, mixFilter, type ClipSound } from './audio-mix.js';
import { conformClip, type ConformedClip } from './conform.js';
import { buildFinalArgs, containerFor } from './encode.js';
import { gopFrames, type HouseFormat } from './house-format.js';
import { buildNormalizeArgs, measureLoudness, measureResult, type LoudnessResult } from './loudness.js';
import { probe, type MediaProbe } from './probe.js';
import { runFfmpeg } from './process.js';
import { frameTimeline, planPieces, StitchPlanError } from './stitch-timeline.js';
import type { StitchOptions, StitchPlan, StitchResult } from './stitch-types.js';
import { buildSrt, buildVtt } from './subtitles.js';
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

/**
 * Renders the plan's final cut to `plan.output.path` (and .srt/.vtt beside it for `sidecar`),
 * running the ffmpeg and ffprobe of `options.binaries`. Intermediate files live in `options.workDir`; conformed clips and transition windows stay
 * there and are reused by content. Nothing is ever left at or beside the output path on failure.
 * @throws StitchPlanError (plan unusable: no clips, unknown transition, transitions longer than
 *   clips), ProbeError (an input unreadable), FfmpegError (a run failed, or `reason: 'aborted'`
 *   when options.signal fired), LoudnessError.
 */
export async function stitch(plan: StitchPlan, options: StitchOptions): Promise<StitchResult> {
  const { signal } = options;
  const ffmpegPath = options.binaries.ffmpeg;
  const report = progressReporter(options.onProgress);
  const out = plan.output;
  const format: HouseFormat = { width: out.width, height: out.height, fps: out.fps, preset: options.preset ?? 'medium' };
  const timeline = frameTimeline(plan);
  for (const clip of timeline.clips) if (clip.transitionFrames > 0) xfadeTransition(clip.transition);
  const workDir = resolve(options.workDir);
  await mkdir(workDir, { recursive: true });
  const outPath = resolve(out.path);

  // 1. Probe every input (fails early, before any encoding, on an unreadable file).
  let probed = 0;
  const total = plan.clips.length + plan.narration.length + plan.cues.length;
  const probeOne = async (file: string): Promise<MediaProbe> => {
    const p = await probe(file, { ffprobePath: options.binaries.ffprobe, signal });
    report('probe', (++probed / total) * 100);
    return p;
  };
  const [probes, soundProbes] = await all<[MediaProbe[], MediaProbe[]]>([
    Promise.all(plan.clips.map((c) => probeOne(c.file))),
    Promise.all([...plan.narration, ...plan.cues].map((item) => probeOne(item.file))),
  ]);
  probes.forEach((p, i) => {
    if (!p.video) throw new StitchPlanError(`clip ${plan.clips[i]?.id ?? i} (${plan.clips[i]?.file ?? ''}) has no picture`);
  });
  soundProbes.forEach((p, i) => {
    const item = [...plan.narration, ...plan.cues][i];
    if (!p.audio) throw new StitchPlanError(`${item?.id ?? i} (${item?.file ?? ''}) has no sound`);
  });
  report('probe', 100);

  // 2. Conform.
  const conformed: ConformedClip[] = [];
  for (const [i, clip] of timeline.clips.entries()) {
    const source = plan.clips[clip.index];
    const p = probes[clip.index];
    if (!source || !p) throw new StitchPlanError(`clip ${clip.index} missing`);
    const c = await conformClip({ file: source.file, inPoint: source.inPoint, frames: clip.frames, probe: p, format }, workDir, {
      ffmpegPath,
      signal,
      onProgress: (pc) => report('conform', ((i + pc / 100) / timeline.clips.length) * 100),
    });
    conformed.push(c);
    report('conform', ((i + 1) / timeline.clips.length) * 100);
  }

  // 3. Picture and 4. sound, side by side (the windows' x264 and the audio filters share the cores well).
  const pieces = planPieces(timeline, gopFrames(format));
  // Per-run files (work-files.ts names them; sweepWorkDir knows them as litter of killed runs).
  const names = runFileNames(newRunId());
  const concatList = names.concatList;
  const mixWav = join(workDir, names.mixWav);
  const filterScript = join(workDir, names.filterScript);
  const audio = join(workDir, names.audio);
  const srtName = names.srt;
  const finalTemp = tempBeside(outPath);
  const sidecars = { srt: outPath.replace(/\.[^./\\]*$/, '') + '.srt', vtt: outPath.replace(/\.[^./\\]*$/, '') + '.vtt' };
  let wroteSidecars = false;
  try {
    const picture = (async (): Promise<number> => {
      const { files, rendered } = await renderPieces(pieces, conformed, format, workDir, { ffmpegPath, signal, onProgress: (pc) => report('picture', pc) });
      await writeTextAtomic(join(workDir, concatList), buildConcatList(pieces, files, format.fps));
      report('picture', 100);
      return rendered;
    })();
    const length = timeline.frames / format.fps;
    const sound = (async (): Promise<void> => {
      const clipSounds: ClipSound[] = timeline.clips.map((clip, i) => ({
        file: conformed[i]?.audio ?? '',
        start: clip.startFrame / format.fps,
        duration: clip.frames / format.fps,
        fadeIn: (timeline.clips[i - 1]?.transitionFrames ?? 0) / format.fps,
        fadeOut: clip.transitionFrames / format.fps,
        gain: plan.clips[clip.index]?.gain ?? 0,
      }));
      const mixInput = { clips: clipSounds, narration: plan.narration, cues: plan.cues, length };
      await writeTextAtomic(filterScript, mixFilter(mixInput));
      await runFfmpeg(buildMixArgs(mixInput, filterScript, mixWav), { ffmpegPath, signal, expectedDuration: length, onProgress: (pc) => report('mix', pc) });
      const measured = await measureLoudness(mixWav, out.loudness, { ffmpegPath, signal });
      report('loudness', 40);
      await runFfmpeg(buildNormalizeArgs(mixWav, out.loudness, measured, audio), {
        ffmpegPath,
        signal,
        expectedDuration: length,
        onProgress: (pc) => report('loudness', 40 + pc * 0.6),
      });
    })();
    const [rendered] = await all<[number, void]>([picture, sound]);

    // 5. Subtitles.
    if (out.subtitles === 'burn') await writeTextAtomic(join(workDir, srtName), buildSrt(plan.narration));

    // 6. Final cut, into a temp file beside the output, renamed into place.
    await mkdir(dirname(outPath), { recursive: true });
    // The result's loudness is measured on the AAC that goes into the file unchanged (stream
    // copy), while the file is written.
    const [, result] = await all<[void, LoudnessResult]>([
      runFfmpeg(
        buildFinalArgs({
          concatList,
          audio,
          out: finalTemp,
          container: containerFor(outPath),
          title: out.title,
          burn: out.subtitles === 'burn' ? srtName : undefined,
          frames: timeline.frames,
          format,
        }),
        { ffmpegPath, signal, cwd: workDir, expectedDuration: length, onProgress: (pc) => report('final', pc * 0.9) },
      ),
      measureResult(audio, { ffmpegPath, signal }).then((m) => {
        report('measure', 100);
        return m;
      }),
    ]);
    if (out.subtitles === 'sidecar') {
      wroteSidecars = true;
      await writeTextAtomic(sidecars.srt, buildSrt(plan.narration));
      await writeTextAtomic(sidecars.vtt, buildVtt(plan.narration));
    }
    signal?.throwIfAborted();
    await rename(finalTemp, outPath);
    report('final', 100); // 100 % only once the cut is at its path
    return {
      path: outPath,
      ...(out.subtitles === 'sidecar' ? sidecars : {}),
      loudness: { integrated: result.integrated, truePeak: result.truePeak },
      stats: { conformed: conformed.filter((c) => !c.reused).length, reused: conformed.filter((c) => c.reused).length, windows: rendered },
    };
  } catch (error: unknown) {
    if (wroteSidecars) {
      // Sidecars written just before a failure describe a cut that was not delivered.
      await rm(sidecars.srt, { force: true });
      await rm(sidecars.vtt, { force: true });
    }
    throw error;
  } finally {
    await rm(finalTemp, { force: true });
    for (const name of [concatList, basename(mixWav), basename(filterScript), basename(audio), srtName]) {
      await rm(join(workDir, name), { force: true });
    }
  }
}
