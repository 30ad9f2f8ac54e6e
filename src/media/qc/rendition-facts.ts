/**
 * A rendition's stream facts for QC (per-stream durations and colour tags, which probe.ts does
 * not keep), from `ffprobe -show_streams -show_format`.
 */
import { basename } from 'node:path';
import { execa } from 'execa';
import type { RenditionFacts } from '../../qc/stream-checks.js';
import { ProbeError } from '../probe.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
const seconds = (v: unknown): number | undefined => {
  const n = Number.parseFloat(text(v));
  return Number.isFinite(n) ? n : undefined;
};

/** Pure: the facts from ffprobe's JSON (already parsed); `file` names the rendition. */
export function parseRenditionFacts(file: string, output: unknown): RenditionFacts {
  const root = isObject(output) ? output : {};
  const streams = (Array.isArray(root['streams']) ? root['streams'] : []).filter(isObject);
  const video = streams.find((s) => s['codec_type'] === 'video' && !(isObject(s['disposition']) && s['disposition']['attached_pic'] === 1));
  const audio = streams.find((s) => s['codec_type'] === 'audio');
  const videoDuration = video ? seconds(video['duration']) : undefined;
  const audioDuration = audio ? seconds(audio['duration']) : undefined;
  return {
    file: basename(file),
    width: Number(video?.['width'] ?? 0),
    height: Number(video?.['height'] ?? 0),
    ...(videoDuration !== undefined ? { videoDuration } : {}),
    ...(audioDuration !== undefined ? { audioDuration } : {}),
    colour: {
      primaries: text(video?.['color_primaries']),
      transfer: text(video?.['color_transfer']),
      space: text(video?.['color_space']),
      range: text(video?.['color_range']),
    },
  };
}

/**
 * Probes `file` with `ffprobePath`.
 * @throws ProbeError when ffprobe fails or prints no JSON
 */
export async function renditionFacts(file: string, ffprobePath: string, signal?: AbortSignal): Promise<RenditionFacts> {
  const result = await execa(ffprobePath, ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', file], {
    reject: false,
    stdin: 'ignore',
    ...(signal ? { cancelSignal: signal } : {}),
  });
  if (result.failed) throw new ProbeError(file, String(result.stderr ?? '') || String(result.shortMessage ?? ''), { cause: result });
  try {
    return parseRenditionFacts(file, JSON.parse(result.stdout));
  } catch (error: unknown) {
    throw new ProbeError(file, `unreadable ffprobe output: ${String(error)}`, { cause: error });
  }
}
