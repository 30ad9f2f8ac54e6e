/**
 * Captions that go by faster than `output.captions.reading_speed_warning`, as warnings at the
 * narration of their scene (the Netflix English guide sets 17 characters per second for adult
 * programmes; above 20 most viewers can no longer read along).
 */
import type { ReadingSpeedWarning } from '../captions/track.js';
import type { Diagnostic } from '../manifest/diagnostic.js';
import type { Production } from '../manifest/production.js';

/** One warning diagnostic per scene the caption track flagged, pointing at its narration. */
export function readingSpeedDiagnostics(production: Production, warnings: readonly ReadingSpeedWarning[]): Diagnostic[] {
  const limit = production.output.captions.readingSpeedWarning;
  return warnings.flatMap((w) => {
    const scene = production.scenes.find((s) => s.id === w.sceneId);
    if (!scene?.narration) return [];
    const cues = w.cues === 1 ? '1 cue' : `${w.cues} cues`;
    return [
      production.source.diagnostic(
        scene.narration.pointer,
        'caption-reading-speed',
        `the captions of scene \`${scene.id}\` read at up to ${w.charactersPerSecond} characters per second (${cues} above ${limit})`,
        { severity: 'warning', hint: 'shorten the narration, lower its speed, or lengthen the scene so its captions can stay longer' },
      ),
    ];
  });
}
