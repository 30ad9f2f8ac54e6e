/**
 * Stage 4 of loading a manifest: schema-valid data → Production. Applies defaults, expands
 * shorthands (`narration: "text"`), assigns ids and resolves paths against the manifest's folder.
 * Checks nothing: the rules run on the result.
 */
import { posix, win32 } from 'node:path';
import { CAPTION_DEFAULTS, type CaptionSettings, type CaptionStyle } from '../captions/settings.js';
import { PLAN_LIMITS, RESOLUTIONS, type Resolution } from '../vocabulary/catalog.js';
import { pointerSegment } from './diagnostic.js';
import {
  DEFAULTS,
  type Cue,
  type Narration,
  type OutputSettings,
  type Production,
  type PaidPlan,
  type Reframe,
  type Rendition,
  type Scene,
  type ShortMediaPolicy,
  type SubtitleMode,
  TRANSITION_ALIASES,
  type Transition,
  type TransitionName,
  type TransitionType,
} from './production.js';
import type { QcSettings, UntaggedColour } from '../qc/thresholds.js';
import type { ManifestSource } from './source.js';
import { clipResolution, normalizeRenditions, singleRendition, type RenditionData } from './renditions.js';

/** The manifest's shape once the schema has accepted it (see film-schema.ts). */
interface TransitionData {
  type?: TransitionName;
  duration?: number;
}
interface NarrationData {
  text: string;
  voice?: string;
  speed?: number;
  at?: number;
}
interface SceneData {
  id?: string;
  prompt?: string;
  source?: string;
  duration?: number | 'auto';
  style?: string;
  narration?: string | NarrationData;
  transition?: TransitionData;
  reframe?: Reframe;
  focus?: number;
  short_media?: ShortMediaPolicy;
}
interface CueData {
  id?: string;
  prompt: string;
  from?: string;
  to?: string;
  bpm?: number;
  gain?: number;
  duck?: number;
  fade_in?: number;
  fade_out?: number;
}
/** `output.captions` as written (snake_case keys). */
export interface CaptionData {
  max_line_chars?: number;
  max_lines?: number;
  reading_speed?: number;
  reading_speed_warning?: number;
  min_duration?: number;
  max_duration?: number;
  min_gap_frames?: number;
  style?: CaptionStyle;
  group_words?: number;
  font?: string;
}
export interface ManifestData {
  version: 1;
  title?: string;
  plan?: PaidPlan;
  output?: { path?: string; resolution?: Resolution; fps?: number; loudness?: number; subtitles?: SubtitleMode; captions?: CaptionData };
  outputs?: RenditionData[];
  defaults?: { style?: string; voice?: string; transition?: TransitionData; short_media?: ShortMediaPolicy };
  scenes: SceneData[];
  score?: CueData[];
  qc?: QcData;
}

/** The `qc:` block as written (snake_case keys; see `$defs/qc`). */
interface QcData {
  black?: { max?: number; pixel?: number };
  freeze?: { max?: number; noise?: number; held?: string[] };
  silence?: { max?: number; noise?: number };
  loudness?: { tolerance?: number; true_peak?: number };
  captions?: { line_length?: number; lines?: number; reading_speed?: number; max_reading_speed?: number };
  sync?: { frames?: number };
  colour?: { untagged?: UntaggedColour };
}

/** Where the manifest lives, for resolving its relative paths. */
export interface NormalizeContext {
  /** Absolute folder of the manifest. */
  readonly baseDir: string;
  /** An override of the manifest's `plan` (from the command line or environment). */
  readonly plan?: PaidPlan;
}

/** The largest resolution used when a manifest gives none: the plan's maximum, capped at 4k. */
export function defaultResolution(plan: PaidPlan): Resolution {
  const max = PLAN_LIMITS[plan].maxResolution;
  return RESOLUTIONS.indexOf(max) > RESOLUTIONS.indexOf('4k') ? '4k' : max;
}

/** Builds the Production from schema-valid `data`. Pure: path arithmetic only. */
export function normalize(source: ManifestSource, data: ManifestData, context: NormalizeContext): Production {
  const plan = context.plan ?? data.plan ?? DEFAULTS.plan;
  const base = manifestStem(source.file);
  const { output, renditions } = normalizeOutputs(data, plan, context.baseDir, base);
  const ids = assignIds(
    data.scenes.map((s) => s.id),
    'scene',
  );
  const scenes = data.scenes.map((scene, index): Scene => {
    const pointer = `/scenes/${index}`;
    const narration = normalizeNarration(scene.narration, data.defaults?.voice, `${pointer}/narration`);
    const isLast = index === data.scenes.length - 1;
    const common = {
      index,
      id: ids[index]!,
      pointer,
      duration: scene.duration ?? (narration ? 'auto' : DEFAULTS.sceneDuration),
      transition: isLast ? CUT : normalizeTransition(scene.transition, data.defaults?.transition),
      shortMedia: scene.short_media ?? data.defaults?.short_media ?? DEFAULTS.shortMedia,
      ...(narration ? { narration } : {}),
      ...(scene.reframe ? { reframe: scene.reframe } : {}),
      ...(scene.focus === undefined ? {} : { focus: scene.focus }),
    } as const;
    if (scene.source !== undefined && scene.prompt === undefined) {
      return { ...common, kind: 'footage', source: resolvePath(context.baseDir, scene.source) };
    }
    return { ...common, kind: 'generated', prompt: scene.prompt ?? '', style: scene.style ?? data.defaults?.style ?? DEFAULTS.style };
  });
  const cueIds = assignIds(
    (data.score ?? []).map((c) => c.id),
    'cue',
  );
  const first = scenes[0]?.id ?? '';
  const last = scenes[scenes.length - 1]?.id ?? '';
  const score = (data.score ?? []).map((cue, index): Cue => ({
    index,
    id: cueIds[index]!,
    pointer: `/score/${index}`,
    prompt: cue.prompt,
    from: cue.from ?? first,
    to: cue.to ?? last,
    ...(cue.bpm === undefined ? {} : { bpm: cue.bpm }),
    gain: cue.gain ?? DEFAULTS.cueGain,
    duck: cue.duck ?? DEFAULTS.cueDuck,
    fadeIn: cue.fade_in ?? DEFAULTS.cueFadeIn,
    fadeOut: cue.fade_out ?? DEFAULTS.cueFadeOut,
  }));
  const qc = data.qc ? { qc: normalizeQc(data.qc) } : {};
  return { file: source.file, baseDir: context.baseDir, title: data.title ?? base, plan, output, renditions, scenes, score, source, ...qc };
}

/**
 * The film-wide output settings and the renditions: `output:` alone is one 16:9 rendition; with
 * `outputs:`, output keeps fps and loudness, its path, subtitles and captions are the first
 * rendition's, and its resolution is the one the clips are requested at (clipResolution).
 */
function normalizeOutputs(data: ManifestData, plan: PaidPlan, baseDir: string, base: string): { output: OutputSettings; renditions: Rendition[] } {
  const film = { fps: data.output?.fps ?? DEFAULTS.fps, loudness: data.output?.loudness ?? DEFAULTS.loudness };
  if (data.outputs === undefined) {
    const output: OutputSettings = {
      path: resolvePath(baseDir, data.output?.path ?? `out/${base}.mp4`),
      resolution: data.output?.resolution ?? defaultResolution(plan),
      ...film,
      subtitles: data.output?.subtitles ?? DEFAULTS.subtitles,
      captions: normalizeCaptions(data.output?.captions),
    };
    return { output, renditions: [singleRendition(output)] };
  }
  const renditions = normalizeRenditions(data.outputs, {
    defaultResolution: defaultResolution(plan),
    resolvePath: (path) => resolvePath(baseDir, path),
    captions: normalizeCaptions,
    subtitles: DEFAULTS.subtitles,
  });
  const first = renditions[0]!;
  const output: OutputSettings = { path: first.path, resolution: clipResolution(renditions, plan), ...film, subtitles: first.subtitles, captions: first.captions };
  return { output, renditions };
}

/** The `qc:` block with the code's names; only what the manifest sets (resolveThresholds adds the defaults). */
function normalizeQc(qc: QcData): QcSettings {
  const { loudness, captions, ...same } = qc;
  const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  return {
    ...same,
    ...(loudness ? { loudness: defined({ tolerance: loudness.tolerance, truePeak: loudness.true_peak }) } : {}),
    ...(captions
      ? {
          captions: defined({
            lineLength: captions.line_length,
            lines: captions.lines,
            readingSpeed: captions.reading_speed,
            maxReadingSpeed: captions.max_reading_speed,
          }),
        }
      : {}),
  } as QcSettings;
}

/** The caption settings: what the manifest says, the guideline defaults elsewhere. */
function normalizeCaptions(data: CaptionData | undefined): CaptionSettings {
  const d = CAPTION_DEFAULTS;
  return {
    maxLineChars: data?.max_line_chars ?? d.maxLineChars,
    maxLines: data?.max_lines ?? d.maxLines,
    readingSpeed: data?.reading_speed ?? d.readingSpeed,
    readingSpeedWarning: data?.reading_speed_warning ?? d.readingSpeedWarning,
    minDuration: data?.min_duration ?? d.minDuration,
    maxDuration: data?.max_duration ?? d.maxDuration,
    minGapFrames: data?.min_gap_frames ?? d.minGapFrames,
    style: data?.style ?? d.style,
    groupWords: data?.group_words ?? d.groupWords,
    font: data?.font ?? d.font,
  };
}

const CUT: Transition = { type: 'cut', duration: 0 };

function normalizeTransition(own: TransitionData | undefined, fallback: TransitionData | undefined): Transition {
  const type = canonicalTransition(own?.type ?? fallback?.type ?? DEFAULTS.transitionType);
  if (type === 'cut') return CUT;
  const duration = own?.duration ?? fallback?.duration ?? DEFAULTS.transitionDuration;
  return duration === 0 ? CUT : { type, duration };
}

/** `fade` and `crossfade` → `dissolve`; every other name is already the transition's own. */
function canonicalTransition(name: TransitionName): TransitionType {
  return name in TRANSITION_ALIASES ? TRANSITION_ALIASES[name as keyof typeof TRANSITION_ALIASES] : (name as TransitionType);
}

function normalizeNarration(value: string | NarrationData | undefined, voice: string | undefined, pointer: string): Narration | undefined {
  if (value === undefined) return undefined;
  const data: NarrationData = typeof value === 'string' ? { text: value } : value;
  return {
    text: data.text,
    voice: data.voice ?? voice ?? DEFAULTS.voice,
    speed: data.speed ?? DEFAULTS.speed,
    at: data.at ?? DEFAULTS.narrationAt,
    pointer,
  };
}

/** Explicit ids stay; missing ones become `<prefix>-<n>` (1-based), skipping ids already taken. */
function assignIds(explicit: ReadonlyArray<string | undefined>, prefix: string): string[] {
  const taken = new Set(explicit.filter((id): id is string => id !== undefined));
  return explicit.map((id, index) => {
    if (id !== undefined) return id;
    let candidate = `${prefix}-${index + 1}`;
    for (let n = 2; taken.has(candidate); n++) candidate = `${prefix}-${index + 1}-${n}`;
    taken.add(candidate);
    return candidate;
  });
}

/** Resolves a manifest path against its folder (POSIX or Windows, as the folder is written). */
export function resolvePath(baseDir: string, path: string): string {
  const flavour = /^[A-Za-z]:[\\/]/.test(baseDir) ? win32 : posix;
  return flavour.resolve(baseDir, path);
}

/** True when `path` (absolute) lies inside `baseDir`. */
export function isInside(baseDir: string, path: string): boolean {
  const flavour = /^[A-Za-z]:[\\/]/.test(baseDir) ? win32 : posix;
  const relative = flavour.relative(baseDir, path);
  const up = relative === '..' || relative.startsWith(`..${flavour.sep}`);
  return relative !== '' && !up && !flavour.isAbsolute(relative);
}

/** `films/neon-tokyo.yaml` → `neon-tokyo`. */
export function manifestStem(file: string): string {
  const name = file.split(/[\\/]/).pop() ?? file;
  return name.replace(/\.(ya?ml|json)$/i, '') || 'film';
}

/** JSON pointer of a scene field, for rules. */
export function scenePointer(index: number, field?: string): string {
  return field === undefined ? `/scenes/${index}` : `/scenes/${index}/${pointerSegment(field)}`;
}
