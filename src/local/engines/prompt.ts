/**
 * Pure prompt analysis: which words of a prompt choose the look, motion and sound of a render.
 *
 * Word matching is on lower-cased alphanumeric tokens (so "Neon," and "NEON" both count), with
 * a few two-word phrases joined by '-' ("lo fi" → "lo-fi"). When a prompt names several
 * palettes, the one named most wins; a tie goes to the one named first ("Neon rain at
 * midnight" is neon, not night).
 */

/** An sRGB colour, 0–255 per channel. */
export type Rgb = readonly [number, number, number];

export const PALETTE_NAMES = ['neon', 'sunset', 'forest', 'ocean', 'desert', 'snow', 'night', 'fire', 'storm', 'dusk'] as const;
/** `dusk` is the default when no palette word matches: a muted blue-to-sand sky. */
export type PaletteName = (typeof PALETTE_NAMES)[number];

/** Colours a scene is drawn with. */
export interface Palette {
  readonly name: PaletteName;
  /** Top of the sky. */
  readonly skyTop: Rgb;
  /** Sky at the horizon. */
  readonly horizon: Rgb;
  /** Ground, water or street below the horizon. */
  readonly ground: Rgb;
  /** Lights, signs, sun or moon. */
  readonly accent: Rgb;
  /** A second light colour (neon's cyan against its magenta). */
  readonly accent2: Rgb;
}

export const PALETTES: Readonly<Record<PaletteName, Palette>> = {
  neon: { name: 'neon', skyTop: [18, 0, 48], horizon: [200, 30, 190], ground: [10, 8, 40], accent: [255, 40, 220], accent2: [0, 230, 255] },
  sunset: { name: 'sunset', skyTop: [60, 40, 110], horizon: [255, 130, 60], ground: [70, 30, 30], accent: [255, 210, 120], accent2: [255, 90, 70] },
  forest: { name: 'forest', skyTop: [120, 170, 150], horizon: [200, 225, 170], ground: [25, 60, 30], accent: [120, 180, 80], accent2: [230, 240, 190] },
  ocean: { name: 'ocean', skyTop: [30, 95, 140], horizon: [150, 210, 230], ground: [10, 60, 95], accent: [230, 248, 255], accent2: [60, 170, 200] },
  desert: { name: 'desert', skyTop: [110, 170, 220], horizon: [245, 215, 160], ground: [200, 145, 80], accent: [255, 240, 200], accent2: [220, 120, 60] },
  snow: { name: 'snow', skyTop: [150, 175, 200], horizon: [225, 232, 240], ground: [240, 244, 248], accent: [255, 255, 255], accent2: [180, 200, 225] },
  night: { name: 'night', skyTop: [2, 4, 14], horizon: [30, 45, 80], ground: [6, 8, 14], accent: [240, 232, 180], accent2: [120, 150, 220] },
  fire: { name: 'fire', skyTop: [30, 6, 0], horizon: [255, 95, 0], ground: [45, 10, 0], accent: [255, 200, 80], accent2: [255, 60, 0] },
  storm: { name: 'storm', skyTop: [45, 50, 60], horizon: [120, 125, 135], ground: [30, 32, 36], accent: [220, 225, 240], accent2: [90, 100, 120] },
  dusk: { name: 'dusk', skyTop: [75, 105, 140], horizon: [215, 198, 165], ground: [60, 58, 54], accent: [245, 230, 200], accent2: [150, 160, 175] },
};

const PALETTE_WORDS: Readonly<Record<Exclude<PaletteName, 'dusk'>, readonly string[]>> = {
  neon: ['neon', 'cyberpunk', 'synthwave', 'vaporwave', 'retrowave', 'laser', 'arcade', 'hologram'],
  sunset: ['sunset', 'sunrise', 'golden', 'dawn', 'twilight', 'dusk'],
  forest: ['forest', 'jungle', 'woods', 'trees', 'meadow', 'garden', 'moss', 'green'],
  ocean: ['ocean', 'sea', 'beach', 'coast', 'shore', 'waves', 'underwater', 'lake', 'harbor', 'harbour'],
  desert: ['desert', 'dunes', 'sand', 'sahara', 'canyon', 'arid'],
  snow: ['snow', 'snowy', 'winter', 'ice', 'icy', 'frozen', 'arctic', 'blizzard', 'glacier'],
  night: ['night', 'midnight', 'moon', 'moonlit', 'stars', 'starry', 'space', 'galaxy', 'nocturnal'],
  fire: ['fire', 'flames', 'flame', 'lava', 'volcano', 'inferno', 'burning', 'embers', 'campfire'],
  storm: ['storm', 'thunder', 'overcast', 'fog', 'foggy', 'mist', 'misty', 'grey', 'gray'],
};

/** Particle and surface motion drawn over the scene. */
export type MotionLayer = 'rain' | 'snow' | 'fog' | 'stars' | 'waves';
/** How the virtual camera moves over the still scene. */
export type CameraMove = 'push-in' | 'pan';
/** Synthesized sound beds. `room` is the quiet default. */
export type Ambience = 'rain' | 'wind' | 'city' | 'surf' | 'fire' | 'room';

/** Scene elements drawn into the background. */
export interface SceneFeatures {
  readonly skyline: boolean;
  /** A sun low on the horizon. */
  readonly sun: boolean;
  readonly moon: boolean;
  readonly hills: boolean;
  readonly water: boolean;
}

/** Everything a video render takes from its prompt. */
export interface VisualAnalysis {
  readonly palette: Palette;
  readonly features: SceneFeatures;
  /** At most two layers, in drawing order. */
  readonly motion: readonly MotionLayer[];
  readonly camera: CameraMove;
  /** At least one bed; `room` alone when nothing matched. */
  readonly ambience: readonly Ambience[];
}

/** Lower-case word tokens of `text`, with "lo fi" / "hip hop" joined. */
export function tokenize(text: string): string[] {
  const words =
    text
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .match(/[a-z0-9]+/g) ?? [];
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? '';
    const next = words[i + 1];
    if ((word === 'lo' && next === 'fi') || (word === 'hip' && next === 'hop')) {
      out.push(`${word}-${next}`);
      i++;
    } else {
      out.push(word);
    }
  }
  return out;
}

/** Number of tokens in `words` that are in `set`, and the index of the first. */
function hits(tokens: readonly string[], set: readonly string[]): { count: number; first: number } {
  let count = 0;
  let first = Number.POSITIVE_INFINITY;
  tokens.forEach((token, i) => {
    if (set.includes(token)) {
      count++;
      first = Math.min(first, i);
    }
  });
  return { count, first };
}

/** True when any token is in `set`. */
export function mentions(tokens: readonly string[], set: readonly string[]): boolean {
  return tokens.some((token) => set.includes(token));
}

/** The palette a prompt names (most hits, then earliest), `dusk` when none. */
export function choosePalette(tokens: readonly string[]): Palette {
  let best: { name: PaletteName; count: number; first: number } = { name: 'dusk', count: 0, first: Number.POSITIVE_INFINITY };
  for (const [name, words] of Object.entries(PALETTE_WORDS) as [Exclude<PaletteName, 'dusk'>, readonly string[]][]) {
    const h = hits(tokens, words);
    if (h.count > best.count || (h.count === best.count && h.count > 0 && h.first < best.first)) best = { name, ...h };
  }
  return PALETTES[best.name];
}

const CITY = ['city', 'street', 'streets', 'tokyo', 'urban', 'downtown', 'skyline', 'skyscraper', 'skyscrapers', 'traffic', 'alley', 'market', 'metropolis', 'neon', 'cyberpunk'];
const RAIN = ['rain', 'rainy', 'raining', 'drizzle', 'downpour', 'storm', 'stormy', 'shower', 'wet', 'monsoon'];
const SNOW = ['snow', 'snowy', 'snowing', 'snowfall', 'blizzard', 'flurries', 'winter'];
const FOG = ['fog', 'foggy', 'mist', 'misty', 'haze', 'hazy', 'smoke', 'clouds', 'cloudy'];
const STARS = ['stars', 'starry', 'starlit', 'space', 'galaxy', 'cosmos', 'nebula', 'constellation'];
const WATER = ['ocean', 'sea', 'beach', 'coast', 'shore', 'waves', 'surf', 'lake', 'harbor', 'harbour', 'river'];
const WIND = ['wind', 'windy', 'breeze', 'gust', 'desert', 'mountain', 'mountains', 'blizzard', 'storm', 'plains', 'cliff'];
const FIRE = ['fire', 'flames', 'campfire', 'fireplace', 'burning', 'embers', 'volcano', 'lava'];
const HILLS = ['forest', 'mountain', 'mountains', 'hills', 'valley', 'meadow', 'dunes', 'desert', 'snow', 'countryside'];
const SUN = ['sunset', 'sunrise', 'sun', 'sunny', 'dawn', 'golden', 'desert'];
const MOON = ['moon', 'moonlit', 'moonlight', 'night', 'midnight'];
const PAN = ['pan', 'panning', 'across', 'sweeping', 'aerial', 'flyover', 'tracking', 'drifting', 'along', 'panorama'];

/**
 * Everything a video render takes from its prompt. Pure and total: any string (even empty)
 * gives an analysis.
 */
export function analyzeVisual(prompt: string): VisualAnalysis {
  const tokens = tokenize(prompt);
  const palette = choosePalette(tokens);
  const water = mentions(tokens, WATER) || palette.name === 'ocean';
  const features: SceneFeatures = {
    skyline: mentions(tokens, CITY),
    sun: mentions(tokens, SUN) && !mentions(tokens, MOON),
    moon: mentions(tokens, MOON),
    hills: mentions(tokens, HILLS) && !water,
    water,
  };
  const motion: MotionLayer[] = [];
  if (mentions(tokens, RAIN)) motion.push('rain');
  else if (mentions(tokens, SNOW)) motion.push('snow');
  if (water) motion.push('waves');
  if (mentions(tokens, FOG)) motion.push('fog');
  if (motion.length < 2 && (mentions(tokens, STARS) || (palette.name === 'night' && motion.length === 0))) motion.push('stars');
  const ambience: Ambience[] = [];
  if (mentions(tokens, RAIN)) ambience.push('rain');
  if (mentions(tokens, CITY)) ambience.push('city');
  if (water) ambience.push('surf');
  if (mentions(tokens, FIRE)) ambience.push('fire');
  if (mentions(tokens, WIND) || mentions(tokens, SNOW)) ambience.push('wind');
  return {
    palette,
    features,
    motion: motion.slice(0, 2),
    camera: mentions(tokens, PAN) ? 'pan' : 'push-in',
    ambience: ambience.length > 0 ? ambience.slice(0, 3) : ['room'],
  };
}

/**
 * Pure: a 32-bit FNV-1a hash of `text`, the seed of everything random a render of it does.
 */
export function hashText(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
