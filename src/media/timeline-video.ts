/**
 * The picture of the cut: re-encodes the windows around transitions (xfade between house-format
 * parts) and lists every piece for the concat demuxer with explicit in/out points and durations,
 * so the joined stream is copied, not re-encoded, everywhere else. One ffmpeg run per window
 * holds only that window's two or three decoders: memory stays flat however long the film.
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

/** Pure: ffmpeg arguments that render a window from the conformed clips' videos. */
export function buildWindowArgs(window: WindowPiece, videos: readonly string[], format: HouseFormat, out: string): string[] {
  const inputs = window.parts.flatMap((p) => {
    const file = videos[p.clip];
    if (file === undefined) throw new StitchPlanError(`no conformed clip ${p.clip}`);
    return ['-ss', String(p.from / format.fps), '-i', file];
  });
  return [
    ...inputs,
    '-filter_complex',
    windowFilter(window, format.fps),
    '-map',
    '[out]',
    '-frames:v',
    String(pieceFrames(window)),
    ...houseVideoArgs(format),
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
export function windowKey(window: WindowPiece, conformed: readonly ConformedClip[], format: HouseFormat): string {
  const fields = {
    parts: window.parts.map((p) => [conformed[p.clip]?.key, p.from, p.to]),
    transitions: window.transitions,
    format,
  };
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex').slice(0, 32);
}

/**
 * Renders the windows (reusing those already in `workDir`) and returns, per piece, the file name
 * relative to workDir to list for concat, and how many windows were rendered now.
 * @param options.ffmpegPath the ffmpeg to run (`FfmpegBinaries.ffmpeg`); onProgress gets 0–100 over all windows
 * @throws FfmpegError
 */
export async function renderPieces(
  pieces: readonly Piece[],
  conformed: readonly ConformedClip[],
  format: HouseFormat,
  workDir: string,
  options: { ffmpegPath: string; signal?: AbortSignal | undefined; onProgress?: ((percent: number) => void) | undefined },
): Promise<{ files: string[]; rendered: number }> {
  const files: string[] = [];
  const windows = pieces.filter((p): p is WindowPiece => p.kind === 'window');
  let done = 0;
  let rendered = 0;
  for (const piece of pieces) {
    if (piece.kind === 'copy') {
      const clip = conformed[piece.clip];
      if (!clip) throw new StitchPlanError(`no conformed clip ${piece.clip}`);
      files.push(basename(clip.video));
      continue;
    }
    const name = `window-${windowKey(piece, conformed, format)}.mp4`;
    const file = join(workDir, name);
    if (!(await exists(file))) {
      const temp = join(workDir, `${name}.${randomBytes(4).toString('hex')}.tmp.mp4`);
      try {
        await runFfmpeg(
          buildWindowArgs(
            piece,
            conformed.map((c) => c.video),
            format,
            temp,
          ),
          {
            ffmpegPath: options.ffmpegPath,
            signal: options.signal,
            expectedDuration: pieceFrames(piece) / format.fps,
            onProgress: (p) => options.onProgress?.(((done + p / 100) / windows.length) * 100),
          },
        );
        await rename(temp, file);
      } finally {
        await rm(temp, { force: true });
      }
      rendered += 1;
    }
    done += 1;
    options.onProgress?.((done / windows.length) * 100);
    files.push(name);
  }
  return { files, rendered };
}
