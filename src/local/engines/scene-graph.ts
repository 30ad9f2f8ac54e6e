/**
 * Pure: the filtergraph text that draws a procedural scene (the "picture" half of a video
 * render), from the prompt's analysis and the style.
 *
 * How it is drawn, cheaply:
 *  1. the still background (sky gradient, sun or moon, skyline with lit windows, hills, water,
 *     stars) is one `geq` evaluation of ONE frame at `scene` size;
 *  2. `zoompan` turns that still into N frames with a slow push-in or pan;
 *  3. particle textures (rain, snow, fog, stars, wave glints) are also single `geq` frames,
 *     looped and moved with `scroll`, and screen-blended over the picture;
 *  4. the style's colour treatment, vignette and grain run at the small `canvas` size, the
 *     picture is scaled to the output size, and only the letterbox is drawn at full size.
 * Every random-looking value is a hash of pixel coordinates (no `random()`), so frames are the
 * same on every run.
 */
import type { Style } from '../../vocabulary/catalog.js';
import type { MotionLayer, Rgb, VisualAnalysis } from './prompt.js';

/** Pixel sizes and rates of one render. */
export interface SceneGeometry {
  /** Output frame size (pixels). */
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  /** Seconds. */
  readonly duration: number;
  /** Working size of the animated picture before the final upscale (pixels, even). */
  readonly canvasWidth: number;
  readonly canvasHeight: number;
  /** Cheaper look: bilinear upscale, no grain. */
  readonly fast: boolean;
  /** Seed for the grain (noise filter). */
  readonly seed: number;
}

/** The background still is drawn this much larger than the canvas, so the camera can move inside it. */
const SCENE_OVERSCAN = 1.5;
/** Where the horizon sits, as a fraction of the height. */
const HORIZON = 0.62;

const hash1 = (a: string): string => `mod(abs(sin((${a})*12.9898)*43758.5453),1)`;
const hash2 = (a: string, b: string): string => `mod(abs(sin((${a})*12.9898+(${b})*78.233)*43758.5453),1)`;
const lerp = (a: number, b: number, t: string): string => `(${a}+(${b - a})*(${t}))`;
const n = (x: number): string => (Number.isInteger(x) ? String(x) : x.toFixed(4));

/** One channel (0 = r, 1 = g, 2 = b) of the background still, as a geq expression. */
export function backgroundExpr(analysis: VisualAnalysis, channel: 0 | 1 | 2): string {
  const { palette: p, features: f } = analysis;
  const c = (rgb: Rgb): number => rgb[channel];
  const hy = `(H*${HORIZON})`;
  const sky = lerp(c(p.skyTop), c(p.horizon), `pow(Y/${hy},1.6)`);
  const groundTop = Math.round(c(p.horizon) * 0.35 + c(p.ground) * 0.65);
  let ground = lerp(groundTop, c(p.ground), `(Y-${hy})/(H-${hy})`);
  if (f.water) {
    // Reflections: broken horizontal glints of the horizon colour.
    ground = `(${ground}+${n(c(p.accent) * 0.45)}*gt(sin(Y*0.9+6*sin(X*0.02+Y*0.05)),0.92)*(Y-${hy})/(H-${hy}))`;
  }
  let pic = `if(lt(Y,${hy}),${sky},${ground})`;
  if (analysis.motion.includes('stars') || analysis.palette.name === 'night') {
    pic = `(${pic}+255*gt(${hash2('floor(X/2)', 'floor(Y/2)')},0.996)*lt(Y,${hy}*0.8))`;
  }
  if (f.sun) {
    const d = `hypot(X-W*0.5,Y-(${hy}-H*0.06))`;
    pic = `if(lt(${d},H*0.11)*lt(Y,${hy}),${c(p.accent)},${pic}+${n(c(p.accent) * 0.6)}*exp(-${d}/(H*0.12))*lt(Y,${hy}))`;
  }
  if (f.moon) {
    const d = `hypot(X-W*0.74,Y-H*0.27)`;
    pic = `if(lt(${d},H*0.055),${c(p.accent)},${pic}+${n(c(p.accent) * 0.25)}*exp(-${d}/(H*0.05)))`;
  }
  if (f.hills) {
    const ridge = `(${hy}-H*0.12*(0.55+0.3*sin(X/W*9.4+1.3)+0.15*sin(X/W*23+0.4)))`;
    pic = `if(gt(Y,${ridge})*lt(Y,${hy}+2),${n(c(p.ground) * 0.8)},${pic})`;
  }
  if (f.skyline) {
    const col = 'floor(X/(W/30))';
    const top = `(${hy}-H*(0.08+0.34*${hash1(col)}))`;
    const lit = `gt(${hash2('floor(X/3)', 'floor(Y/4)')},0.72)*lt(mod(X,3),2)*lt(mod(Y,4),2)`;
    const window = `if(gt(${hash1(`${col}+0.5`)},0.5),${c(p.accent)},${c(p.accent2)})`;
    const facade = Math.round(c(p.ground) * 0.7);
    pic = `if(gt(Y,${top})*lt(Y,${hy}),if(${lit},${window},${facade}),${pic})`;
  }
  return `clip(${pic},0,255)`;
}

/** A particle texture (grey, one frame) as a geq luma expression, and how it moves per second. */
interface Texture {
  readonly expr: string;
  /** Fractions of the frame per second (scroll's unit is per frame). */
  readonly vertical: number;
  readonly horizontal: number;
  /** Screen-blend opacity 0–1. */
  readonly opacity: number;
}

/** Pure: the texture of one motion layer. */
export function motionTexture(layer: MotionLayer): Texture {
  switch (layer) {
    case 'rain':
      return {
        expr: `255*gt(${hash1('X')},0.8)*lt(mod(Y+${hash1('X+7')}*H,H/3),H*0.07)*(0.45+0.55*${hash1('X+3')})`,
        vertical: -1.6,
        horizontal: 0,
        opacity: 0.55,
      };
    case 'snow':
      return { expr: `255*gt(${hash2('floor(X/2)', 'floor(Y/2)')},0.985)`, vertical: -0.12, horizontal: 0.02, opacity: 0.8 };
    case 'fog':
      return {
        // Banks of mist, fading in smoothly from a quarter of the way down (no hard top edge).
        expr: `clip(110+90*sin(X/W*12.57+1.7*sin(Y/H*18.85))*sin(Y/H*3.1416)+40*sin(X/W*31.4+Y/H*9),0,255)*clip((Y/H-0.2)/0.3,0,1)`,
        vertical: 0,
        horizontal: 0.025,
        opacity: 0.35,
      };
    case 'stars':
      return { expr: `255*gt(${hash2('X', 'Y')},0.9975)*lt(Y,H*0.5)`, vertical: 0, horizontal: 0.004, opacity: 0.9 };
    case 'waves':
      return {
        expr: `200*gt(sin(X*0.25+20*${hash1('floor(Y/3)')})*sin(Y*1.3),0.75)*gt(Y,H*${HORIZON + 0.04})`,
        vertical: 0,
        horizontal: 0.05,
        opacity: 0.45,
      };
    default:
      return unreachable(layer);
  }
}

function unreachable(x: never): never {
  throw new Error(`unexpected value ${String(x)}`);
}

/**
 * The picture's one R'G'B' → Y'CbCr conversion: with the BT.709 matrix into limited range, as the
 * house format's tags declare (HOUSE_COLOUR_ARGS); swscale's default would be BT.601's matrix.
 */
export const TO_HOUSE_YUV444 = 'scale=out_color_matrix=bt709:out_range=tv,format=yuv444p';

/**
 * Colour treatment, vignette and grain, at canvas size (input gbrp; ends in yuv444p, BT.709). Grain is
 * drawn here rather than at output size: upscaled it reads as film grain, and per-pixel
 * full-size noise would double the bitrate and the encoder's time.
 */
export function styleColour(style: Style, g: SceneGeometry): string[] {
  const grain = (strength: number): string[] => (g.fast ? [] : [`noise=c0s=${strength}:c0f=t:c0_seed=${g.seed % 2147483647}`]);
  switch (style) {
    case 'cinematic':
      return [TO_HOUSE_YUV444, 'eq=contrast=1.08:saturation=1.12:gamma=0.96', 'vignette=angle=PI/5', ...grain(4)];
    case 'noir':
      return [TO_HOUSE_YUV444, 'hue=s=0', 'eq=contrast=1.55:brightness=-0.04', 'vignette=angle=PI/4', ...grain(6)];
    case 'vintage':
      return ['colorchannelmixer=.393:.769:.189:0:.349:.686:.168:0:.272:.534:.131', TO_HOUSE_YUV444, 'eq=contrast=0.9:gamma=1.05', 'vignette=angle=PI/3.5', ...grain(7)];
    case 'anime':
      return ['lutrgb=r=floor(val/48)*48+16:g=floor(val/48)*48+16:b=floor(val/48)*48+16', TO_HOUSE_YUV444, 'eq=saturation=1.6:contrast=1.1'];
    case 'documentary':
      return [TO_HOUSE_YUV444, 'eq=saturation=0.95'];
    default:
      return unreachable(style);
  }
}

/** Treatment at output size (letterbox; input yuv420p); ends in yuv420p, SAR 1. */
export function styleFinish(style: Style, g: SceneGeometry): string[] {
  const out: string[] = [];
  if (style === 'cinematic') {
    // 2.39:1 inside the 16:9 frame, bars rounded to even pixels.
    const bar = 2 * Math.round((g.height - g.width / 2.39) / 4);
    // crop + pad rather than two drawbox passes: pad only copies, drawbox blends every pixel.
    out.push(`crop=iw:ih-${2 * bar}:0:${bar}`, `pad=iw:ih+${2 * bar}:0:${bar}:black`);
  }
  // Noir's grey must stay exactly grey through the chroma upscale.
  if (style === 'noir') out.push('hue=s=0');
  out.push('setsar=1');
  return out;
}

/**
 * Pure: the video half of the filter_complex, ending in the label `[vout]`.
 * Uses no inputs (all sources are lavfi filters inside the graph).
 */
export function sceneFilter(analysis: VisualAnalysis, style: Style, g: SceneGeometry): string {
  const frames = Math.round(g.duration * g.fps);
  const sw = 2 * Math.round((g.canvasWidth * SCENE_OVERSCAN) / 2);
  const sh = 2 * Math.round((g.canvasHeight * SCENE_OVERSCAN) / 2);
  const cs = `${g.canvasWidth}x${g.canvasHeight}`;
  const one = (size: string, fmt: string): string => `color=c=black:s=${size}:r=${g.fps},trim=end_frame=1,format=${fmt}`;
  const chains: string[] = [];

  const bg = ([0, 1, 2] as const).map((ch) => backgroundExpr(analysis, ch));
  // geq in RGB mode takes r, g, b; the gbrp planes come out in that order.
  const zoom = analysis.camera === 'pan' ? `z=1.25:x='(iw-iw/zoom)*on/${frames}':y='(ih-ih/zoom)/2'` : `z='1+0.18*on/${frames}':x='iw/2-iw/zoom/2':y='ih/2-ih/zoom/2'`;
  chains.push(`${one(`${sw}x${sh}`, 'gbrp')},geq=r='${bg[0]}':g='${bg[1]}':b='${bg[2]}',` + `zoompan=${zoom}:d=${frames}:s=${cs}:fps=${g.fps},format=gbrp[bg0]`);
  let last = 'bg0';
  analysis.motion.forEach((layer, i) => {
    const t = motionTexture(layer);
    chains.push(
      `${one(cs, 'gray')},geq=lum='${t.expr}',format=gbrp,loop=loop=-1:size=1,setpts=N/(${g.fps}*TB),` +
        `scroll=v=${(t.vertical / g.fps).toFixed(6)}:h=${(t.horizontal / g.fps).toFixed(6)}[tex${i}]`,
    );
    chains.push(`[${last}][tex${i}]blend=all_mode=screen:all_opacity=${t.opacity}:shortest=1[bg${i + 1}]`);
    last = `bg${i + 1}`;
  });
  const finish = [
    ...styleColour(style, g),
    // Subsample chroma at canvas size, so the upscale moves half the bytes (the picture is
    // soft colour fields; chroma at a quarter of the canvas is invisible after the upscale).
    'format=yuv420p',
    `scale=${g.width}:${g.height}:flags=${g.fast ? 'bilinear' : 'bicubic'}`,
    ...styleFinish(style, g),
    `trim=end_frame=${frames}`,
  ];
  chains.push(`[${last}]${finish.join(',')}[vout]`);
  return chains.join(';\n');
}
