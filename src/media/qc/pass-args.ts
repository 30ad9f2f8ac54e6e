/**
 * The one ffmpeg pass QC makes over a cut: the picture decoded once feeds blackdetect and
 * freezedetect and the poster stills; the sound decoded once feeds silencedetect and ebur128
 * (momentary and short-term every 100 ms, and the summary with true peak). Pure: arguments as data.
 */
import type { QcThresholds } from '../../qc/thresholds.js';

/** Stills to write in the same pass. */
export interface PosterOutput {
  /** 0-based frame numbers, ascending and unique. */
  readonly frames: readonly number[];
  /** An image2 pattern (`…/poster-%03d.jpg`): the k-th frame goes to number k+1. */
  readonly pattern: string;
  /** Height of a still, pixels (the width follows the picture's shape). */
  readonly height: number;
}

/** Shortest black stretch blackdetect reports, seconds (shorter flashes are not worth a line). */
export const BLACK_REPORT_SECONDS = 0.1;

/** Pure: the filtergraph of the pass (labels `[vout]`, `[aout]` and, with stills, `[posters]`). */
export function qcFiltergraph(thresholds: QcThresholds, posters?: PosterOutput): string {
  const { black, freeze, silence } = thresholds;
  const detectors = `blackdetect=d=${Math.min(BLACK_REPORT_SECONDS, black.max)}:pix_th=${black.pixel},freezedetect=n=${freeze.noise}dB:d=${freeze.max}`;
  const picture =
    posters && posters.frames.length > 0
      ? `[0:v:0]split=2[qc][stills];[qc]${detectors}[vout];[stills]select='${posters.frames.map((f) => `eq(n,${f})`).join('+')}',scale=-2:${posters.height}[posters]`
      : `[0:v:0]${detectors}[vout]`;
  const sound = `[0:a:0]silencedetect=n=${silence.noise}dB:d=${silence.max},ebur128=peak=true:framelog=info[aout]`;
  return `${picture};${sound}`;
}

/** Pure: the whole argument array (after the binary). */
export function buildQcPassArgs(input: string, thresholds: QcThresholds, posters?: PosterOutput): string[] {
  const stills = posters && posters.frames.length > 0 ? ['-map', '[posters]', '-fps_mode', 'passthrough', '-q:v', '5', '-f', 'image2', '-y', posters.pattern] : [];
  return [
    '-nostdin',
    '-hide_banner',
    '-nostats',
    // Every line carries its level, so decode errors are told apart from the detectors' info lines.
    '-loglevel',
    'level+info',
    '-i',
    input,
    '-filter_complex',
    qcFiltergraph(thresholds, posters),
    '-map',
    '[vout]',
    '-map',
    '[aout]',
    '-f',
    'null',
    '-',
    ...stills,
  ];
}
