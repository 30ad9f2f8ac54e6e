/**
 * The rules of `outputs:` (src/manifest/renditions.ts): one way of naming the output, frame
 * sizes a rendition can have (even, within the plan), and a file of its own for every rendition.
 * Pure, like every rule; rules.ts lists them in RULES.
 */
import { FRAME_SIZE, PLAN_LIMITS, RESOLUTIONS, resolutionWithin } from '../vocabulary/catalog.js';
import type { Diagnostic } from './diagnostic.js';
import type { Rendition } from './production.js';
import { sizeWithinPlan } from './renditions.js';
import type { Rule } from './rules.js';

/** Keys of `output:` that `outputs:` replaces (fps and loudness stay film-wide in `output:`). */
const PER_RENDITION_KEYS = ['path', 'resolution', 'subtitles', 'captions'] as const;

/** `output:` with path, resolution, subtitles or captions beside `outputs:` is an error at that key. */
export const oneOutputForm: Rule = {
  name: 'one-output-form',
  check(p, data) {
    if (data.outputs === undefined || data.output === undefined) return [];
    return PER_RENDITION_KEYS.filter((key) => data.output![key] !== undefined).map((key) =>
      p.source.diagnostic(`/output/${key}`, this.name, `output.${key} and outputs: are both given: each rendition in outputs: sets its own ${key}`, {
        hint: `move ${key} into the entries of outputs: (output: may keep only the film-wide fps and loudness)`,
        part: 'key',
      }),
    );
  },
};

/** A rendition's `size` together with its `aspect` or `resolution`: one of the two ways only. */
export const sizeOrShape: Rule = {
  name: 'rendition-size-or-shape',
  check(p, data) {
    return (data.outputs ?? []).flatMap((entry, k) =>
      entry.size !== undefined && (entry.aspect !== undefined || entry.resolution !== undefined)
        ? [
            p.source.diagnostic(`/outputs/${k}/size`, this.name, `outputs[${k}] gives both size and ${entry.aspect !== undefined ? 'aspect' : 'resolution'}`, {
              hint: 'give an explicit size (1080x1350), or an aspect and a resolution, not both',
              part: 'key',
            }),
          ]
        : [],
    );
  },
};

/**
 * Fewest pixels a rendition's side may have: 144, the shortest side of the smallest size video
 * sites deliver (YouTube's 256x144). Below it captions cannot be drawn legibly and the fit's
 * blurred fill, made from a quarter-size copy, has no pixels left.
 */
export const MIN_RENDITION_SIDE = 144;

/** Odd pixel counts (H.264 with 4:2:0 chroma needs even ones), frames too small to carry a picture, and frames larger than the plan allows. */
export const renditionSizeAllowed: Rule = {
  name: 'rendition-size-allowed',
  check(p, data) {
    return p.renditions.flatMap((r, k): Diagnostic[] => {
      const entry = data.outputs?.[k];
      if (!entry) return [];
      const at = entry.size !== undefined ? `${r.pointer}/size` : `${r.pointer}/resolution`;
      if (r.width % 2 !== 0 || r.height % 2 !== 0) {
        return [
          p.source.diagnostic(at, this.name, `outputs[${k}] is ${r.width}x${r.height}: a frame size must be even in both width and height`, {
            hint: `use ${even(r.width)}x${even(r.height)}`,
          }),
        ];
      }
      if (Math.min(r.width, r.height) < MIN_RENDITION_SIDE) {
        return [
          p.source.diagnostic(at, this.name, `outputs[${k}] is ${r.width}x${r.height}: each side must be at least ${MIN_RENDITION_SIDE} pixels`, {
            hint: 'use a resolution such as 720p, or a size such as 256x144',
          }),
        ];
      }
      if (sizeWithinPlan(r.width, r.height, p.plan)) return [];
      return [
        p.source.diagnostic(at, this.name, `outputs[${k}] is ${r.width}x${r.height}, above the ${p.plan} plan's maximum frame of ${planFrame(p.plan)}`, {
          hint: planHint(r, p.plan),
        }),
      ];
    });
  },
};

/** Two renditions writing one file, or one set of caption sidecars (the same path without its extension). */
export const renditionFilesDistinct: Rule = {
  name: 'rendition-files-distinct',
  check(p) {
    const seen = new Map<string, Rendition>();
    return p.renditions.flatMap((r): Diagnostic[] => {
      const stem = r.path.replace(/\.[^./\\]*$/, '');
      const first = seen.get(stem);
      if (!first) {
        seen.set(stem, r);
        return [];
      }
      const what = first.path === r.path ? 'the same file' : 'the same caption sidecars (.srt, .vtt, .words.json: the same path without its extension)';
      return [
        p.source.diagnostic(`${r.pointer}/path`, this.name, `rendition \`${r.name}\` writes ${what} as rendition \`${first.name}\``, {
          hint: 'give every rendition its own file name (film-16x9.mp4, film-9x16.mp4)',
          related: [p.source.diagnostic(`${first.pointer}/path`, this.name, 'first written here')],
        }),
      ];
    });
  },
};

/** Names given twice: the lock file and the report key renditions by name. */
export const renditionNamesUnique: Rule = {
  name: 'rendition-names-unique',
  check(p, data) {
    const seen = new Set<string>();
    return (data.outputs ?? []).flatMap((entry, k) => {
      if (entry.name === undefined) return [];
      if (!seen.has(entry.name)) {
        seen.add(entry.name);
        return [];
      }
      return [
        p.source.diagnostic(`/outputs/${k}/name`, this.name, `outputs[${k}].name \`${entry.name}\` is already used by another rendition`, {
          hint: 'give every rendition its own name',
        }),
      ];
    });
  },
};

/** Every rule of this file, in the order they run. */
export const RENDITION_RULES: readonly Rule[] = [oneOutputForm, sizeOrShape, renditionSizeAllowed, renditionFilesDistinct, renditionNamesUnique];

function even(n: number): number {
  return n % 2 === 0 ? n : n - 1;
}

function planFrame(plan: keyof typeof PLAN_LIMITS): string {
  const { width, height } = FRAME_SIZE[PLAN_LIMITS[plan].maxResolution];
  return `${width}x${height} (${PLAN_LIMITS[plan].maxResolution})`;
}

/** What the user can do about a frame above the plan: a resolution within it, or the plan that allows the frame. */
function planHint(r: Rendition, plan: keyof typeof PLAN_LIMITS): string {
  const max = PLAN_LIMITS[plan].maxResolution;
  const within = RESOLUTIONS.filter((res) => resolutionWithin(res, max)).join(' or ');
  const needed = (Object.keys(PLAN_LIMITS) as Array<keyof typeof PLAN_LIMITS>).find((other) => sizeWithinPlan(r.width, r.height, other));
  return `use resolution ${within}${needed ? `, or the ${needed} plan` : ''}`;
}
