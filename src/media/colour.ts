/**
 * Pure: how a source's picture is brought to the house colour (BT.709 primaries, transfer and
 * matrix, limited range: HOUSE_COLOUR_ARGS in house-format.ts), decided from what ffprobe says
 * of it (probe.ts ColourTags and pixel format), as filter fragments for the conform.
 *
 * Rules, in order:
 * - HDR (transfer `smpte2084` = PQ, SMPTE ST 2084; `arib-std-b67` = HLG, ARIB STD-B67 / ITU-R
 *   BT.2100): tone-mapped to SDR BT.709 (`tone-map`), and the runner warns (colour-warnings.ts).
 * - Range: `pc` tag or a `yuvj*` pixel format (JPEG's full range, phone video) is full range
 *   (Y' 0–255); anything else limited (Y' 16–235, Cb/Cr 16–240; ITU-R BT.601-7 §2.5.3,
 *   BT.709-6 Part 2 §4.6).
 * - Matrix: an RGB pixel format is converted with the BT.709 matrix; a tagged Y'CbCr matrix
 *   zscale knows is converted from; an untagged (or unknown) one follows the usual convention of
 *   players and broadcasters: SD (height ≤ 576 lines, the 525/625-line systems of BT.601) is
 *   BT.601, anything taller BT.709.
 * - Primaries: BT.2020 sources are converted to BT.709 primaries (a wide gamut, visibly
 *   different). BT.601's 525 (SMPTE 170M) and 625 (EBU, BT.470BG) primaries are re-tagged, not
 *   converted: BT.709's primaries lie between them (BT.709-6 Part 1 §1.3 took the EBU red and
 *   blue), SD masters were graded on such displays, and the usual SD-to-HD practice keeps the
 *   graded R'G'B' values. Their transfer functions are BT.709's own (BT.601-7 §2.6.4).
 *
 * Why zscale (zimg): it converts Y'CbCr → R'G'B' → Y'CbCr in floating point with exact matrix
 * coefficients (BT.601: Kr 0.299, Kb 0.114; BT.709: Kr 0.2126, Kb 0.0722) and rounds once;
 * swscale's `in_color_matrix`/`out_color_matrix` works in fixed point (a BT.601 yellow came out
 * 2 code values low in Y'), and the `colorspace` filter cannot tone-map. Every zscale parameter
 * is given explicitly, so nothing depends on how the decoder tagged the frames.
 */
import type { ColourTags, VideoStreamInfo } from './probe.js';

/** HDR transfer functions (ffprobe's names) the conform tone-maps. */
export const HDR_TRANSFERS = { smpte2084: 'PQ', 'arib-std-b67': 'HLG' } as const;
/** An HDR transfer (ffprobe's name). */
export type HdrTransfer = keyof typeof HDR_TRANSFERS;

/** Y'CbCr matrices zscale converts from (ffprobe's names are zscale's names for these). */
const KNOWN_MATRICES = new Set(['bt709', 'smpte170m', 'bt470bg', 'bt2020nc', 'bt2020c', 'fcc', 'ycgco']);
/** Tallest picture that counts as SD when the matrix is untagged (625-line systems: 576 active lines). */
export const SD_MAX_HEIGHT = 576;
/** Nominal peak of the tone-map's linear light, cd/m² (zscale `npl`; SDR reference white, ITU-R BT.2408). */
const TONE_MAP_PEAK = 100;

/**
 * How a picture becomes house colour:
 * - `house`: already BT.709 limited range, nothing to do;
 * - `convert`: matrix (zscale name; `gbr` for RGB) and range to BT.709 limited; `primaries`
 *   `bt2020` is converted too; `assumed` when the matrix was untagged and guessed by height;
 * - `tone-map`: HDR to SDR BT.709 limited.
 */
export type ColourDecision =
  | { readonly kind: 'house' }
  | {
      readonly kind: 'convert';
      readonly matrix: string;
      readonly range: 'limited' | 'full';
      readonly wideGamut: boolean;
      readonly assumed: boolean;
      /** The yuv* twin of a `yuvj*` pixel format, to relabel the planes as before zscale (see colourFilter). */
      readonly relabel?: string;
    }
  | { readonly kind: 'tone-map'; readonly transfer: HdrTransfer; readonly primaries: string; readonly matrix: string; readonly range: 'limited' | 'full' };

/** Pure: the HDR transfer of a stream's tags, or undefined for SDR (and untagged). */
export function hdrTransfer(colour: Pick<ColourTags, 'transfer'>): HdrTransfer | undefined {
  return Object.hasOwn(HDR_TRANSFERS, colour.transfer) ? (colour.transfer as HdrTransfer) : undefined;
}

/** Pure: whether a pixel format (ffprobe's name) stores R'G'B' rather than Y'CbCr. */
function isRgb(pixFmt: string): boolean {
  return /^(gbr|rgb|bgr|argb|abgr|0rgb|0bgr|x2rgb|x2bgr)/.test(pixFmt);
}

/** Pure: the Y'CbCr matrix of a stream: its tag when zscale knows it, else by height (SD → BT.601). */
function matrixOf(video: Pick<VideoStreamInfo, 'height' | 'colour'>): { matrix: string; assumed: boolean } {
  if (KNOWN_MATRICES.has(video.colour.space)) return { matrix: video.colour.space, assumed: false };
  return { matrix: video.height <= SD_MAX_HEIGHT ? 'smpte170m' : 'bt709', assumed: true };
}

/** Pure: the conversion a stream's picture needs (see the module comment for the rules). */
export function colourDecision(video: Pick<VideoStreamInfo, 'height' | 'pixFmt' | 'colour'>): ColourDecision {
  const range = video.colour.range === 'pc' || video.pixFmt.startsWith('yuvj') ? 'full' : 'limited';
  const hdr = hdrTransfer(video.colour);
  if (hdr) {
    const matrix = KNOWN_MATRICES.has(video.colour.space) ? video.colour.space : 'bt2020nc';
    return { kind: 'tone-map', transfer: hdr, primaries: video.colour.primaries || 'bt2020', matrix, range };
  }
  const wideGamut = video.colour.primaries === 'bt2020';
  if (isRgb(video.pixFmt)) return { kind: 'convert', matrix: 'gbr', range: 'full', wideGamut, assumed: false };
  const { matrix, assumed } = matrixOf(video);
  if (matrix === 'bt709' && range === 'limited' && !wideGamut) return { kind: 'house' };
  const relabel = video.pixFmt.startsWith('yuvj') ? { relabel: video.pixFmt.replace(/^yuvj/, 'yuv') } : {};
  return { kind: 'convert', matrix, range, wideGamut, assumed, ...relabel };
}

/**
 * Pure: the filter fragments (in order, for a `-vf` chain) that turn a picture of `decision`
 * into BT.709 limited-range yuv420p; none for `house`. The primaries and transfer of a
 * `convert` are stated as BT.709 on both sides (re-tagged, not converted) unless wide gamut.
 * A `yuvj*` picture is first relabelled as its `yuv*` twin: zscale (ffmpeg 5.1) passes `yuvj*`
 * planes through without the range conversion, while swscale copies the planes of that same-size
 * relabel unchanged; `rangein=full` then says what they hold (test/runner/colour.test.ts checks
 * the resulting code values, so an ffmpeg that behaves otherwise fails there).
 */
export function colourFilter(decision: ColourDecision): string[] {
  switch (decision.kind) {
    case 'house':
      return [];
    case 'convert': {
      const light = decision.wideGamut ? 'primariesin=bt2020:transferin=bt709' : 'primariesin=bt709:transferin=bt709';
      return [
        ...(decision.relabel ? [`format=${decision.relabel}`] : []),
        `zscale=matrixin=${decision.matrix}:rangein=${decision.range}:${light}:matrix=bt709:range=limited:primaries=bt709:transfer=bt709`,
        'format=yuv420p',
      ];
    }
    case 'tone-map':
      return [
        `zscale=transferin=${decision.transfer}:primariesin=${decision.primaries}:matrixin=${decision.matrix}:rangein=${decision.range}:transfer=linear:npl=${TONE_MAP_PEAK}`,
        'format=gbrpf32le',
        'zscale=primaries=bt709',
        // Hable's filmic curve rolls highlights off instead of clipping them; desat=0 keeps bright colours saturated.
        'tonemap=tonemap=hable:desat=0',
        'zscale=transfer=bt709:matrix=bt709:range=limited',
        'format=yuv420p',
      ];
    default:
      return unreachable(decision);
  }
}

/**
 * Filters that take a house-colour picture to R'G'B' (`gbrp`) and back, around a filter that
 * draws in R'G'B'. ffmpeg 5.1's `subtitles` filter blends libass's R'G'B' colours into Y'CbCr
 * with BT.601's coefficients whatever the picture is (it ignores the script's `YCbCr Matrix`):
 * on a BT.709 picture a pure yellow caption came out Y' 210, Cr 146 instead of 219, 138.
 * Drawn in R'G'B' and converted back with BT.709, the colours are right, and the rest of the
 * picture comes back with the same mean code values (zscale, as above).
 */
export const HOUSE_TO_RGB = [
  'zscale=matrixin=bt709:rangein=limited:primariesin=bt709:transferin=bt709:matrix=gbr:range=full:primaries=bt709:transfer=bt709',
  'format=gbrp',
] as const;
/** See HOUSE_TO_RGB. */
export const RGB_TO_HOUSE = [
  'zscale=matrixin=gbr:rangein=full:primariesin=bt709:transferin=bt709:matrix=bt709:range=limited:primaries=bt709:transfer=bt709',
  'format=yuv420p',
] as const;

function unreachable(value: never): never {
  throw new Error(`unknown colour decision ${JSON.stringify(value)}`);
}
