/**
 * Footage mastered in HDR (PQ or HLG transfer) is tone-mapped to SDR BT.709 by the conform
 * (src/media/colour.ts): the cut cannot show its highlights as graded, so the user is told,
 * with a warning at the scene's `source:`. Known from the footage's probe before the stitch.
 */
import type { Diagnostic } from '../manifest/diagnostic.js';
import type { Production } from '../manifest/production.js';
import { HDR_TRANSFERS, hdrTransfer } from '../media/colour.js';
import type { ColourTags } from '../media/probe.js';

/** Reads the colour tags of a footage file's first video stream (ffprobe; undefined when it has none); the transfer is what matters here. */
export type ColourProbe = (file: string, signal?: AbortSignal) => Promise<Pick<ColourTags, 'transfer'> | undefined>;

/**
 * One warning diagnostic per footage scene whose source is HDR, pointing at its `source:`.
 * A file the probe cannot read gives no warning here (preflight has already refused it).
 */
export async function hdrFootageDiagnostics(production: Production, probeColour: ColourProbe, signal?: AbortSignal): Promise<Diagnostic[]> {
  const warnings: Diagnostic[] = [];
  for (const scene of production.scenes) {
    if (scene.kind !== 'footage') continue;
    const colour = await probeColour(scene.source, signal).catch(() => undefined);
    const transfer = colour ? hdrTransfer(colour) : undefined;
    if (!transfer) continue;
    warnings.push(
      production.source.diagnostic(
        `${scene.pointer}/source`,
        'footage-hdr',
        `scenes[${scene.index}].source is HDR (${HDR_TRANSFERS[transfer]}, transfer ${transfer}): it is tone-mapped to SDR BT.709, so its highlights will not look as graded`,
        { severity: 'warning', hint: 'for full control of the look, export an SDR (BT.709) grade of this footage and use that' },
      ),
    );
  }
  return warnings;
}
