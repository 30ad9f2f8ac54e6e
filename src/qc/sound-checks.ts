/**
 * Sound checks: silence where narration is placed, integrated loudness against the film's target
 * and true peak against the ceiling (EBU R128, measured by ffmpeg's ebur128 on the cut itself).
 */
import { overlap, type QcFilm } from './film.js';
import type { FilmSpan, Verdict } from './verdict.js';

const round = (x: number): number => Math.round(x * 100) / 100;

/** One verdict per narration slot with a silence as long as the limit inside it; one pass verdict when none has. */
export function silenceVerdicts(film: QcFilm, silence: readonly FilmSpan[]): Verdict[] {
  const { max } = film.thresholds.silence;
  const found: Verdict[] = [];
  for (const slot of film.narration) {
    const slotSpan = { start: slot.start, end: slot.start + slot.duration };
    for (const s of silence) {
      const inside = overlap(s, slotSpan);
      if (inside < max - 1e-3) continue;
      const span = { start: Math.max(s.start, slotSpan.start), end: Math.min(s.end, slotSpan.end) };
      found.push({
        check: 'silence',
        status: 'fail',
        measured: round(inside),
        threshold: max,
        unit: 's',
        span,
        scene: slot.sceneId,
        message: `${round(inside)} s of silence in the narration of scene ${slot.sceneId}`,
      });
    }
  }
  if (found.length > 0) return found;
  const message = film.narration.length === 0 ? 'no narration to check' : 'every narration is heard';
  return [{ check: 'silence', status: 'pass', measured: 0, threshold: max, unit: 's', message }];
}

/**
 * EBU R128's absolute gate, LUFS: blocks quieter than this are left out of the integrated
 * loudness, so a silent programme measures at it (ffmpeg's ebur128 reports -70.0).
 */
const ABSOLUTE_GATE = -70;

/**
 * A film with no narration and no score cue that measures at the absolute gate is silent by its
 * manifest (footage without sound): a warning, since no gain can bring silence to the target, and
 * `--qc fail` should not refuse a film made silent on purpose.
 */
function silentByDesign(film: QcFilm, integrated: number): boolean {
  return film.narration.length === 0 && film.cues.length === 0 && integrated <= ABSOLUTE_GATE + 1e-9;
}

/** The integrated loudness and true-peak verdicts (a missing measurement fails both: the cut has no readable sound). */
export function loudnessVerdicts(film: QcFilm, measured: { integrated?: number; truePeak?: number }): Verdict[] {
  if (measured.integrated !== undefined && silentByDesign(film, measured.integrated)) {
    const [loudness, peak] = levelVerdicts(film, measured);
    return [{ ...loudness!, status: 'warn', message: 'the film is silent: no narration, no score cue, and its footage has no sound; no gain brings silence to the target' }, peak!];
  }
  return levelVerdicts(film, measured);
}

/** The loudness and true-peak verdicts against the film's target and ceiling. */
function levelVerdicts(film: QcFilm, measured: { integrated?: number; truePeak?: number }): Verdict[] {
  const { tolerance, truePeak: ceiling } = film.thresholds.loudness;
  const target = film.loudness;
  const integrated = measured.integrated ?? Number.NEGATIVE_INFINITY;
  const off = Math.abs(integrated - target);
  const peak = measured.truePeak ?? Number.POSITIVE_INFINITY;
  const shown = (x: number): number | string => (Number.isFinite(x) ? round(x) : String(x));
  return [
    {
      check: 'loudness',
      status: off <= tolerance + 1e-9 ? 'pass' : 'fail',
      measured: shown(integrated),
      threshold: `${target} ± ${tolerance}`,
      unit: 'LUFS',
      message: Number.isFinite(off)
        ? `integrated loudness ${round(integrated)} LUFS, ${round(integrated - target)} LU from the target ${target} LUFS`
        : 'no loudness could be measured',
    },
    {
      check: 'true-peak',
      status: peak <= ceiling + 1e-9 ? 'pass' : 'fail',
      measured: shown(peak),
      threshold: ceiling,
      unit: 'dBTP',
      message: `true peak ${shown(peak)} dBTP (ceiling ${ceiling} dBTP)`,
    },
  ];
}
