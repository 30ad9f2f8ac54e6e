/**
 * Checks of a rendition's streams: it decodes without errors; video and audio are as long as
 * each other and as the timeline (within `sync.frames` frames); its frame size is the one asked
 * for; and what its colour tags say: the house colour (BT.709 primaries, transfer and matrix,
 * limited range; src/media/house-format.ts) passes, anything else, untagged included, gets the
 * `colour.untagged` verdict (a warning by default).
 */
import type { QcFilm } from './film.js';
import type { Verdict } from './verdict.js';

/** A rendition's stream facts, as ffprobe reports them. */
export interface RenditionFacts {
  /** The file's name (for verdicts when a production has several). */
  readonly file: string;
  /** Pixels (0 when there is no picture). */
  readonly width: number;
  readonly height: number;
  /** Seconds, per stream; undefined when the stream is missing. */
  readonly videoDuration?: number;
  readonly audioDuration?: number;
  /** ffprobe's `color_primaries`, `color_transfer`, `color_space`, `color_range` ('' when not tagged). */
  readonly colour: { readonly primaries: string; readonly transfer: string; readonly space: string; readonly range: string };
}

const round = (x: number): number => Math.round(x * 1000) / 1000;

/** The decode verdict: any error line fails. */
export function decodeVerdict(errors: readonly string[], file?: string): Verdict {
  const first = errors[0]?.replace(/^\[[^\]]*\]\s*/, '').trim();
  return {
    check: 'decode',
    status: errors.length === 0 ? 'pass' : 'fail',
    measured: errors.length,
    threshold: 0,
    unit: 'errors',
    ...(file ? { file } : {}),
    message: errors.length === 0 ? 'decodes without errors' : `${errors.length} decode errors, the first: ${first ?? ''}`,
  };
}

/** Sync (video against audio) and length (each stream against the timeline) verdicts. */
export function durationVerdicts(film: QcFilm, facts: RenditionFacts, file?: string): Verdict[] {
  const frame = film.thresholds.sync.frames / film.fps;
  const tag = file ? { file } : {};
  const v = facts.videoDuration;
  const a = facts.audioDuration;
  if (v === undefined || a === undefined) {
    const missing = v === undefined ? 'picture' : 'sound';
    return [{ check: 'sync', status: 'fail', measured: 'missing', threshold: round(frame), unit: '', ...tag, message: `the cut has no ${missing} stream` }];
  }
  const drift = Math.abs(v - a);
  const off = Math.max(Math.abs(v - film.length), Math.abs(a - film.length));
  return [
    {
      check: 'sync',
      status: drift <= frame + 1e-6 ? 'pass' : 'fail',
      measured: round(drift),
      threshold: round(frame),
      unit: 's',
      ...tag,
      message: `video ${round(v)} s, audio ${round(a)} s`,
    },
    {
      check: 'length',
      status: off <= frame + 1e-6 ? 'pass' : 'fail',
      measured: round(off),
      threshold: round(frame),
      unit: 's',
      ...tag,
      message: `the timeline is ${round(film.length)} s; video ${round(v)} s, audio ${round(a)} s`,
    },
  ];
}

/** Frame size and colour tags of one rendition. */
export function renditionVerdicts(film: QcFilm, facts: RenditionFacts, file?: string): Verdict[] {
  const tag = file ? { file } : {};
  const size = `${facts.width}x${facts.height}`;
  const wanted = `${film.width}x${film.height}`;
  const c = facts.colour;
  const tagged = [c.primaries, c.transfer, c.space].every((x) => x !== '' && x !== 'unknown');
  const house = c.primaries === 'bt709' && c.transfer === 'bt709' && c.space === 'bt709' && c.range === 'tv';
  const said = `primaries ${c.primaries || 'untagged'}, transfer ${c.transfer || 'untagged'}, matrix ${c.space || 'untagged'}, range ${c.range || 'untagged'}`;
  return [
    { check: 'rendition-size', status: size === wanted ? 'pass' : 'fail', measured: size, threshold: wanted, unit: 'px', ...tag, message: `frame size ${size}` },
    {
      check: 'colour-tags',
      status: house ? 'pass' : film.thresholds.colour.untagged,
      measured: `${c.primaries || '-'}/${c.transfer || '-'}/${c.space || '-'}/${c.range || '-'}`,
      threshold: 'bt709/bt709/bt709/tv',
      unit: '',
      ...tag,
      message: house ? said : tagged ? `colour not BT.709 limited range: ${said}` : `colour not tagged: ${said}`,
    },
  ];
}
