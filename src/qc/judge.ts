/**
 * All of QC's judgement in one call: the measurements of a cut (and of each rendition) in, the
 * named verdicts out, in a fixed order of checks. Pure.
 */
import { captionVerdicts, type Caption } from './caption-checks.js';
import type { DetectorLog } from './detector-log.js';
import type { QcFilm } from './film.js';
import { blackVerdicts, freezeVerdicts } from './picture-checks.js';
import { loudnessVerdicts, silenceVerdicts } from './sound-checks.js';
import { decodeVerdict, durationVerdicts, renditionVerdicts, type RenditionFacts } from './stream-checks.js';
import type { Verdict } from './verdict.js';

/** What was measured of one rendition (today a production has one: the final cut). */
export interface RenditionMeasurement {
  readonly facts: RenditionFacts;
  readonly log: DetectorLog;
}

/** What QC measured of a production. */
export interface QcMeasurement {
  /** The final cut first, then any further renditions. */
  readonly renditions: readonly RenditionMeasurement[];
  /** The captions of the sidecar, when the film has one. */
  readonly captions?: readonly Caption[];
}

/**
 * The verdicts: for the final cut every check; for each further rendition, its decode, durations,
 * size and colour (picture and sound are the same mix and edit, judged once).
 */
export function judge(film: QcFilm, measurement: QcMeasurement): Verdict[] {
  const [cut, ...others] = measurement.renditions;
  if (!cut) return [];
  const several = others.length > 0;
  const name = (r: RenditionMeasurement) => (several ? r.facts.file : undefined);
  return [
    decodeVerdict(cut.log.errors, name(cut)),
    ...durationVerdicts(film, cut.facts, name(cut)),
    ...blackVerdicts(film, cut.log.black),
    ...freezeVerdicts(film, cut.log.freeze),
    ...silenceVerdicts(film, cut.log.silence),
    ...loudnessVerdicts(film, cut.log),
    ...(measurement.captions ? captionVerdicts(film, measurement.captions) : []),
    ...renditionVerdicts(film, cut.facts, name(cut)),
    ...others.flatMap((r) => [decodeVerdict(r.log.errors, r.facts.file), ...durationVerdicts(film, r.facts, r.facts.file), ...renditionVerdicts(film, r.facts, r.facts.file)]),
  ];
}
