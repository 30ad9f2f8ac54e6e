/**
 * Pure: the complete ffmpeg argument array of a video render — picture (scene-graph.ts),
 * ambient bed (ambience.ts), optional narration (speech-args.ts), H.264 + AAC encode.
 */
import { HOUSE_PRESET, houseVideoArgs, type HouseFormat } from '../../media/house-format.js';
import { FRAME_SIZE } from '../../vocabulary/catalog.js';
import { ambienceGraph } from './ambience.js';
import { BITEXACT_ARGS, SAMPLE_RATE } from './encode-args.js';
import { analyzeVisual, hashText } from './prompt.js';
import { sceneFilter, type SceneGeometry } from './scene-graph.js';
import { fliteGraph } from './speech-args.js';
import type { EngineQuality, VideoRequest } from './types.js';

/** Encoder settings per quality. */
export interface VideoPreset {
  /** Working size of the animated picture (pixels). */
  readonly canvasWidth: number;
  readonly canvasHeight: number;
  /**
   * x264 preset of the house format's encode: `full` uses the stitch's default (HOUSE_PRESET),
   * so the stitch stream-copies generated clips; `fast` the tests' `ultrafast` (the tests stitch
   * at `ultrafast` too).
   */
  readonly x264Preset: string;
}

export const VIDEO_PRESETS: Readonly<Record<EngineQuality, VideoPreset>> = {
  full: { canvasWidth: 640, canvasHeight: 360, x264Preset: HOUSE_PRESET },
  fast: { canvasWidth: 320, canvasHeight: 180, x264Preset: 'ultrafast' },
};

/**
 * x264 and filtergraph threads are fixed: x264's output depends on its thread count, so a
 * fixed count keeps renders byte-identical across machines with different core counts.
 */
export const X264_THREADS = 2;

/** Seconds into the clip where narration starts. */
export const NARRATION_START = 0.5;

/** Bed level (dB) alone, and under narration. */
const BED_GAIN_DB = 0;
const BED_UNDER_VOICE_DB = -10;

/** Inputs of buildVideoArgs beyond the request. */
export interface VideoArgsContext {
  readonly quality: EngineQuality;
  /** File holding the narration text (the prompt); required when request.voiceId is set. */
  readonly narrationFile?: string;
  readonly outFile: string;
}

/** Pure: the scene geometry of a request. */
export function videoGeometry(request: VideoRequest, quality: EngineQuality): SceneGeometry {
  const { width, height } = FRAME_SIZE[request.resolution];
  const preset = VIDEO_PRESETS[quality];
  return {
    width,
    height,
    fps: request.fps,
    duration: request.duration,
    canvasWidth: preset.canvasWidth,
    canvasHeight: preset.canvasHeight,
    fast: quality === 'fast',
    seed: hashText(`${request.prompt}\u0000${request.style}`),
  };
}

/** Pure: the filter_complex text of a request, ending in `[vout]` and `[aout]`. */
export function videoFilterGraph(request: VideoRequest, ctx: VideoArgsContext): string {
  const analysis = analyzeVisual(request.prompt);
  const geometry = videoGeometry(request, ctx.quality);
  const parts = [sceneFilter(analysis, request.style, geometry)];
  const d = request.duration.toFixed(3);
  if (request.voiceId !== undefined) {
    if (ctx.narrationFile === undefined) throw new Error('narrationFile is required when voiceId is set');
    parts.push(ambienceGraph(analysis.ambience, request.duration, geometry.seed, BED_UNDER_VOICE_DB, 'bed'));
    parts.push(fliteGraph(ctx.narrationFile, request.voiceId, 1, 'voice'));
    const delayMs = Math.round(NARRATION_START * 1000);
    parts.push(
      `[voice]adelay=${delayMs}:all=1,aformat=sample_fmts=fltp:sample_rates=${SAMPLE_RATE}:channel_layouts=stereo[voice2];\n` +
        `[bed][voice2]amix=inputs=2:normalize=0:duration=first,alimiter=limit=0.9:level=0,atrim=end=${d}[aout]`,
    );
  } else {
    parts.push(ambienceGraph(analysis.ambience, request.duration, geometry.seed, BED_GAIN_DB, 'aout'));
  }
  return parts.join(';\n');
}

/** Pure: the house format (src/media/house-format.ts) a request's clip is encoded in. */
export function videoHouseFormat(request: VideoRequest, quality: EngineQuality): HouseFormat {
  const { width, height } = FRAME_SIZE[request.resolution];
  return { width, height, fps: request.fps, preset: VIDEO_PRESETS[quality].x264Preset };
}

/**
 * Pure: ffmpeg arguments rendering `request` to `ctx.outFile` (MP4, AAC 48 kHz stereo, and the
 * picture in the house format with the stitch's own encoder arguments, so the stitch copies it).
 */
export function buildVideoArgs(request: VideoRequest, ctx: VideoArgsContext): string[] {
  return [
    // Filter slice threads pinned like x264's: the grain's noise filter draws per slice.
    '-filter_complex_threads',
    String(X264_THREADS),
    '-filter_complex',
    videoFilterGraph(request, ctx),
    '-map',
    '[vout]',
    '-map',
    '[aout]',
    ...houseVideoArgs(videoHouseFormat(request, ctx.quality), X264_THREADS),
    '-c:a',
    'aac',
    '-b:a',
    '160k',
    '-ar',
    String(SAMPLE_RATE),
    '-ac',
    '2',
    ...BITEXACT_ARGS,
    '-movflags',
    '+faststart',
    '-f',
    'mp4',
    '-y',
    ctx.outFile,
  ];
}
