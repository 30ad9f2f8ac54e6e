/**
 * The picture of the cut: re-encodes the windows around transitions (xfade between house-format
 * parts) and lists every piece for the concat demuxer with explicit in/out points and durations,
 * so the joined stream is copied, not re-encoded, everywhere else. One ffmpeg run per window
 * holds only that window's two or three decoders: memory stays flat however long the film.
 * Windows are kept by the content key of their inputs and parameters: changing one transition
 * re-renders one window.
 */
import { createHash, randomBytes } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import { exists } from './work-files.js';
import { basename, join } from 'node:path';
import type { ConformedClip } from './conform.js';
import { houseVideoArgs, type HouseFormat } from './house-format.js';
import { runFfmpeg } from './process.js';
import { pieceFrames, StitchPlanError, type Piece, type WindowPiece } from './stitch-timeline.js';

/** Transition types of the plan and the xfade transition that draws each (`cut` has none). */
export const XFADE_TRANSITIONS: Readonly<Record<string, string>> = {
  dissolve: 'fade',
  fade: 'fade',
  fadeblack: 'fadeblack',
  fadewhite: 'fadewhite',
  wipeleft: 'wipeleft',
  wiperight: 'wiperight',
  wipeup: 'wipeup',
  wipedown: 'wipedown',
  slideleft: 'slideleft',
  slideright: 'slideright',
  circleopen: 'circleopen',
  circleclose: 'circleclose',
  radial: 'radial',
  pixelize: 'pixelize',
};

/**
 * Pure: the xfade transition name for a plan transition type.
 * @throws StitchPlanError for a type xfade cannot draw.
 */
export function xfadeTransition(type: string): string {
  const name = Object.hasOwn(XFADE_TRANSITIONS, type) ? XFADE_TRANSITIONS[type] : undefined;
  if (!name) throw new StitchPlanError(`unknown transition "${type}" (known: cut, ${Object.keys(XFADE_TRANSITIONS).join(', ')})`);
  return name;
}

/** Pure: the filtergraph of a window: trims each part, then an xfade chain (offsets in seconds). */
export function windowFilter(window: WindowPiece, fps: number): string {
  const chains: string[] = window.parts.map((p, k) => `[${k}:v]trim=end_frame=${p.to - p.from},setpts=PTS-STARTPTS[p${k}]`);
  let label = 'p0';
  let length = (window.parts[0]?.to ?? 0) - (window.parts[0]?.from ?? 0);
  window.transitions.forEach((t, k) => {
    const next = window.parts[k + 1];
    if (!next) throw new StitchPlanError('a window has more transitions than parts');
    const out = k === window.transitions.length - 1 ? 'out' : `x${k + 1}`;
    const offset = (length - t.frames) / fps;
    chains.push(`[${label}][p${k + 1}]xfade=transition=${xfadeTransition(t.type)}:duration=${t.frames / fps}:offset=${offset}[${out}]`);
    label = out;
    length += next.to - next.from - t.frames;
  });
  if (window.transitions.length === 0) chains.push(`[p0]null[out]`);
  return chains.join(';');
}

/**
 * Pure: ffmpeg arguments that render a window from the conformed clips' videos.
 * @param threads x264 threads (see houseVideoArgs); the filter graph then runs on one thread.
 */
export function buildWindowArgs(window: WindowPiece, videos: readonly string[], format: HouseFormat, out: string, threads?: number): string[] {
  const inputs = window.parts.flatMap((p) => {
    const file = videos[p.clip];
    if (file === undefined) throw new StitchPlanError(`no conformed clip ${p.clip}`);
    // With a thread budget, each decoder gets one thread too (less memory, no fight over the cores).
    return [...(threads === undefined ? [] : ['-threads', '1']), '-ss', String(p.from / format.fps), '-i', file];
  });
  return [
    ...inputs,
    ...(threads === undefined ? [] : ['-filter_complex_threads', '1']),
    '-filter_complex',
    windowFilter(window, format.fps),
    '-map',
    '[out]',
    '-frames:v',
    String(pieceFrames(window)),
    ...houseVideoArgs(format, threads),
    '-an',
    '-map_metadata',
    '-1',
    '-f',
    'mp4',
    '-y',
    out,
  ];
}

/** Pure: a file name for the concat list: plain names only, quoted as the format requires. */
function quoted(name: string): string {
  return `'${name.replaceAll("'", "'\\''")}'`;
}

/**
 * Pure: the concat demuxer list (ffconcat) of the cut. `files[k]` is the file of piece k relative
 * to the list's folder; copy pieces get in/out points, every piece an explicit duration (without
 * it the demuxer trusts container durations and can leave timestamp gaps between pieces).
 */
export function buildConcatList(pieces: readonly Piece[], files: readonly string[], fps: number): string {
  const lines = ['ffconcat version 1.0'];
  pieces.forEach((piece, k) => {
    const file = files[k];
    if (file === undefined) throw new StitchPlanError(`no file for piece ${k}`);
    lines.push(`file ${quoted(file)}`);
    if (piece.kind === 'copy') {
      if (piece.from > 0) lines.push(`inpoint ${piece.from / fps}`);
      lines.push(`outpoint ${piece.to / fps}`);
    }
    lines.push(`duration ${pieceFrames(piece) / fps}`);
  });
  return `${lines.join('\n')}\n`;
}

/** The key of a window file: its parts (by conform key and range), transitions and format. */
export function windowKey(window: WindowPiece, conformed: readonly Pick<ConformedClip, 'key'>[], format: HouseFormat): string {
  const fields = {
    parts: window.parts.map((p) => [conformed[p.clip]?.key, p.from, p.to]),
    transitions: window.transitions,
    format,
  };
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex').slice(0, 32);
}

/** How a window ffmpeg runs: the binary, cancellation, x264 threads, progress 0–100 of this window. */
export interface WindowRunOptions {
  readonly ffmpegPath: string;
  readonly signal?: AbortSignal | undefined;
  readonly threads?: number | undefined;
  readonly onProgress?: ((percent: number) => void) | undefined;
}

/** Pure: the kept file name of a window in the work folder (by windowKey). */
export function windowFileName(window: WindowPiece, conformed: readonly Pick<ConformedClip, 'key'>[], format: HouseFormat): string {
  return `window-${windowKey(window, conformed, format)}.mp4`;
}

/**
 * Renders one window into `workDir` unless it is there already (by key); returns its file name
 * relative to workDir and whether it was rendered now.
 * @throws FfmpegError (no temp file is left)
 */
export async function renderWindow(
  window: WindowPiece,
  conformed: readonly Pick<ConformedClip, 'key' | 'video'>[],
  format: HouseFormat,
  workDir: string,
  options: WindowRunOptions,
): Promise<{ name: string; rendered: boolean }> {
  const name = windowFileName(window, conformed, format);
  const file = join(workDir, name);
  if (await exists(file)) return { name, rendered: false };
  const temp = join(workDir, `${name}.${randomBytes(4).toString('hex')}.tmp.mp4`);
  const videos = conformed.map((c) => c.video);
  try {
    await runFfmpeg(buildWindowArgs(window, videos, format, temp, options.threads), {
      ffmpegPath: options.ffmpegPath,
      signal: options.signal,
      expectedDuration: pieceFrames(window) / format.fps,
      onProgress: options.onProgress,
    });
    await rename(temp, file);
  } finally {
    await rm(temp, { force: true });
  }
  return { name, rendered: true };
}

/** Pure: per piece, the file to list for concat (relative to workDir): the conformed clip of a copy, the window's kept file. */
export function pieceFileNames(pieces: readonly Piece[], conformed: readonly Pick<ConformedClip, 'key' | 'video'>[], format: HouseFormat): string[] {
  return pieces.map((piece) => {
    if (piece.kind === 'window') return windowFileName(piece, conformed, format);
    const clip = conformed[piece.clip];
    if (!clip) throw new StitchPlanError(`no conformed clip ${piece.clip}`);
    return basename(clip.video);
  });
}
