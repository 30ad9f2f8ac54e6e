/**
 * Stage 5 of loading a manifest: named semantic rules over the normalized Production. Each rule
 * is a small function that returns the Diagnostics it finds; `RULES` lists them in the order
 * they run. Rules are pure: the one fact from the disk they need (does a file exist) comes in
 * through `RuleEnvironment`.
 */
import { MAX_CLIP_SECONDS, PLAN_LIMITS, RESOLUTIONS, STYLES, VOICES, resolutionWithin } from '../vocabulary/catalog.js';
import { narrationHasNoControlCharacters } from './control-characters.js';
import type { Diagnostic } from './diagnostic.js';
import { isInside, scenePointer, type ManifestData } from './normalize.js';
import type { Production } from './production.js';
import { didYouMean } from './schema.js';
import { RENDITION_RULES } from './rendition-rules.js';

/** A scene is at most one clip long: the API's longest clip, seconds. */
export const MAX_SCENE_SECONDS = MAX_CLIP_SECONDS;

/** What rules may ask of the world outside the manifest. */
export interface RuleEnvironment {
  /** True when a regular file exists at the absolute `path`. */
  fileExists(path: string): boolean;
  /** Paths outside the manifest's folder are allowed (they came from the command line). */
  readonly allowOutsidePaths?: boolean;
  /** The absolute `path` with symbolic links resolved (identity when absent), so a link cannot lead outside. */
  realPath?: (path: string) => string;
}

/** A named check. */
export interface Rule {
  readonly name: string;
  check(production: Production, data: ManifestData, env: RuleEnvironment): Diagnostic[];
}

const sceneHasOneInput: Rule = {
  name: 'scene-has-one-input',
  check(p, data) {
    return data.scenes.flatMap((scene, i) => {
      if (scene.prompt !== undefined && scene.source !== undefined) {
        return [
          p.source.diagnostic(scenePointer(i, 'source'), this.name, `scenes[${i}] has both \`prompt\` and \`source\``, {
            hint: 'a scene is either generated from a prompt or taken from footage; keep one',
            part: 'key',
          }),
        ];
      }
      if (scene.prompt === undefined && scene.source === undefined) {
        return [p.source.diagnostic(scenePointer(i), this.name, `scenes[${i}] needs a \`prompt\` (to generate it) or a \`source\` (local footage)`)];
      }
      return [];
    });
  },
};

const uniqueSceneIds: Rule = {
  name: 'unique-scene-ids',
  check(p) {
    return duplicates(p.scenes.map((s) => s.id)).map(([first, again]) =>
      p.source.diagnostic(scenePointer(again, 'id'), this.name, `scenes[${again}].id \`${p.scenes[again]!.id}\` is already used by scenes[${first}]`, {
        hint: 'give every scene its own id; score cues refer to scenes by id',
        related: [p.source.diagnostic(scenePointer(first, 'id'), this.name, 'first used here')],
      }),
    );
  },
};

const uniqueCueIds: Rule = {
  name: 'unique-cue-ids',
  check(p) {
    return duplicates(p.score.map((c) => c.id)).map(([first, again]) =>
      p.source.diagnostic(`/score/${again}/id`, this.name, `score[${again}].id \`${p.score[again]!.id}\` is already used by score[${first}]`),
    );
  },
};

const cueRangesExist: Rule = {
  name: 'cue-ranges-exist',
  check(p) {
    const order = new Map(p.scenes.map((s) => [s.id, s.index]));
    const ids = p.scenes.map((s) => s.id);
    return p.score.flatMap((cue) => {
      const out: Diagnostic[] = [];
      for (const end of ['from', 'to'] as const) {
        if (!order.has(cue[end])) {
          out.push(
            p.source.diagnostic(`${cue.pointer}/${end}`, this.name, `score[${cue.index}].${end} names scene \`${cue[end]}\`, which does not exist`, {
              hint: didYouMean(cue[end], ids) ?? `scene ids: ${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', …' : ''}`,
            }),
          );
        }
      }
      const from = order.get(cue.from);
      const to = order.get(cue.to);
      if (out.length === 0 && from !== undefined && to !== undefined && from > to) {
        out.push(
          p.source.diagnostic(`${cue.pointer}/to`, this.name, `score[${cue.index}] ends at scene \`${cue.to}\`, which comes before its start \`${cue.from}\``, {
            hint: 'swap `from` and `to`',
          }),
        );
      }
      return out;
    });
  },
};

const sceneWithinApiLimit: Rule = {
  name: 'scene-within-api-limit',
  check(p) {
    return p.scenes.flatMap((s) =>
      typeof s.duration === 'number' && s.duration > MAX_SCENE_SECONDS
        ? [
            p.source.diagnostic(
              scenePointer(s.index, 'duration'),
              this.name,
              `scenes[${s.index}].duration must be at most ${MAX_SCENE_SECONDS} (seconds), the longest clip MercaDream makes, not ${s.duration}`,
              {
                hint: `split the scene into scenes of at most ${MAX_SCENE_SECONDS} s`,
              },
            ),
          ]
        : [],
    );
  },
};

/**
 * A scene lasts at least one frame (1/fps seconds): a shorter one would be rounded to one frame
 * or none in the cut, so the film would not be as long as the manifest says.
 */
const sceneAtLeastOneFrame: Rule = {
  name: 'scene-at-least-one-frame',
  check(p) {
    const frame = 1 / p.output.fps;
    return p.scenes.flatMap((s) =>
      typeof s.duration === 'number' && s.duration < frame - 1e-9
        ? [
            p.source.diagnostic(
              scenePointer(s.index, 'duration'),
              this.name,
              `scenes[${s.index}].duration ${s.duration} (seconds) is shorter than one frame at ${p.output.fps} fps (${fmtSeconds(frame)} s)`,
              { hint: `give the scene at least ${fmtSeconds(frame)} s, or remove it` },
            ),
          ]
        : [],
    );
  },
};

const transitionShorterThanScenes: Rule = {
  name: 'transition-shorter-than-scenes',
  check(p, data) {
    const out: Diagnostic[] = [];
    p.scenes.forEach((scene, i) => {
      const next = p.scenes[i + 1];
      const t = scene.transition.duration;
      if (next === undefined) {
        if (data.scenes[i]?.transition && data.scenes[i].transition.type !== 'cut' && p.scenes.length > 1) {
          out.push(
            p.source.diagnostic(scenePointer(i, 'transition'), this.name, `scenes[${i}].transition is ignored: the last scene has no next scene to hand over to`, {
              severity: 'warning',
              part: 'key',
            }),
          );
        }
        return;
      }
      const shortest = Math.min(...[scene.duration, next.duration].filter((d): d is number => typeof d === 'number'));
      if (t > 0 && t >= shortest) {
        const own = data.scenes[i]?.transition;
        const pointer =
          own?.duration !== undefined
            ? `${scenePointer(i, 'transition')}/duration`
            : own
              ? scenePointer(i, 'transition')
              : data.defaults?.transition?.duration !== undefined
                ? '/defaults/transition/duration'
                : '/defaults/transition';
        out.push(
          p.source.diagnostic(
            pointer,
            this.name,
            `the ${t} s transition from scene \`${scene.id}\` to \`${next.id}\` must be shorter than both scenes (${fmt(scene.duration)} and ${fmt(next.duration)})`,
            {
              hint: 'shorten the transition or lengthen the scenes',
            },
          ),
        );
      }
    });
    return out;
  },
};

const autoNeedsNarration: Rule = {
  name: 'auto-needs-narration',
  check(p) {
    return p.scenes.flatMap((s) =>
      s.duration === 'auto' && !s.narration
        ? [
            p.source.diagnostic(scenePointer(s.index, 'duration'), this.name, `scenes[${s.index}].duration is \`auto\`, but the scene has no narration to take its length from`, {
              hint: 'give the scene a narration, or a duration in seconds',
            }),
          ]
        : [],
    );
  },
};

const transitionsFitScene: Rule = {
  name: 'transitions-fit-scene',
  check(p) {
    return p.scenes.flatMap((s, i) => {
      const before = i > 0 ? p.scenes[i - 1]!.transition.duration : 0;
      const after = s.transition.duration;
      if (typeof s.duration !== 'number' || before === 0 || after === 0 || before + after < s.duration) return [];
      return [
        p.source.diagnostic(
          scenePointer(i, 'duration'),
          this.name,
          `scene \`${s.id}\` is ${s.duration} s, but the transitions into it (${before} s) and out of it (${after} s) together take ${before + after} s`,
          {
            hint: 'a scene must last longer than its two transitions together; shorten them or lengthen the scene',
          },
        ),
      ];
    });
  },
};

const narrationStartsInScene: Rule = {
  name: 'narration-starts-in-scene',
  check(p) {
    return p.scenes.flatMap((s) =>
      s.narration && typeof s.duration === 'number' && s.narration.at >= s.duration
        ? [
            p.source.diagnostic(
              `${s.narration.pointer}/at`,
              this.name,
              `the narration of scene \`${s.id}\` starts at ${s.narration.at} s, after the ${s.duration} s scene has ended`,
              {
                hint: 'narration.at counts seconds from the start of the scene',
              },
            ),
          ]
        : [],
    );
  },
};

const outputIsNotASource: Rule = {
  name: 'output-is-not-a-source',
  check(p) {
    return p.renditions.flatMap((r) =>
      p.scenes.flatMap((s) =>
        s.kind === 'footage' && s.source === r.path
          ? [
              p.source.diagnostic(`${r.pointer}/path`, this.name, `${pathName(r.pointer)} is the footage of scene \`${s.id}\`: rendering would overwrite it`, {
                hint: 'write the final cut to another file',
              }),
            ]
          : [],
      ),
    );
  },
};

const footageHasNoStyle: Rule = {
  name: 'footage-has-no-style',
  check(p, data) {
    return p.scenes.flatMap((s) =>
      s.kind === 'footage' && data.scenes[s.index]?.style !== undefined
        ? [
            p.source.diagnostic(scenePointer(s.index, 'style'), this.name, `scenes[${s.index}].style is ignored: the scene is local footage, not generated`, {
              severity: 'warning',
              part: 'key',
            }),
          ]
        : [],
    );
  },
};

const planAllowsResolution: Rule = {
  name: 'plan-allows-resolution',
  check(p) {
    const max = PLAN_LIMITS[p.plan].maxResolution;
    if (resolutionWithin(p.output.resolution, max)) return [];
    const needed = (Object.keys(PLAN_LIMITS) as Array<keyof typeof PLAN_LIMITS>).find((plan) => resolutionWithin(p.output.resolution, PLAN_LIMITS[plan].maxResolution));
    return [
      p.source.diagnostic('/output/resolution', this.name, `output.resolution ${p.output.resolution} is above the ${p.plan} plan's maximum of ${max}`, {
        hint: `use ${RESOLUTIONS.filter((r) => resolutionWithin(r, max)).join(' or ')}${needed ? `, or the ${needed} plan` : ''}`,
      }),
    ];
  },
};

const pathsAreFileNames: Rule = {
  name: 'paths-are-file-names',
  check(p, data) {
    const refuse = (pointer: string, what: string, path: string | undefined) =>
      path?.includes('\u0000')
        ? [
            p.source.diagnostic(pointer, this.name, `${what} contains a NUL character (\\0), which no file name can hold`, {
              hint: 'remove it from the path (in double quotes it is written \\0)',
            }),
          ]
        : [];
    return [
      ...p.renditions.flatMap((r) => refuse(`${r.pointer}/path`, pathName(r.pointer), data.output?.path === undefined && !data.outputs ? undefined : r.path)),
      ...p.scenes.flatMap((s) => (s.kind === 'footage' ? refuse(scenePointer(s.index, 'source'), `scenes[${s.index}].source`, s.source) : [])),
    ];
  },
};

const pathsStayInside: Rule = {
  name: 'paths-stay-inside',
  check(p, _data, env) {
    if (env.allowOutsidePaths) return [];
    const out: Diagnostic[] = [];
    const real = env.realPath ?? ((path: string) => path);
    const base = real(p.baseDir);
    const inside = (path: string) => isInside(p.baseDir, path) && isInside(base, real(path));
    const refuse = (pointer: string, what: string) =>
      out.push(
        p.source.diagnostic(pointer, this.name, `${what} leaves the manifest's folder`, {
          hint: 'a manifest may only read and write inside its own folder; move the file there (a path given on the command line may go anywhere)',
        }),
      );
    for (const r of p.renditions) if (!inside(r.path)) refuse(`${r.pointer}/path`, pathName(r.pointer));
    for (const s of p.scenes) if (s.kind === 'footage' && !inside(s.source)) refuse(scenePointer(s.index, 'source'), `scenes[${s.index}].source`);
    return out;
  },
};

const sourceExists: Rule = {
  name: 'source-exists',
  check(p, data, env) {
    return p.scenes.flatMap((s) =>
      s.kind === 'footage' && !s.source.includes('\u0000') && (env.allowOutsidePaths || isInside(p.baseDir, s.source)) && !env.fileExists(s.source)
        ? [
            p.source.diagnostic(scenePointer(s.index, 'source'), this.name, `scenes[${s.index}].source: no file at ${data.scenes[s.index]?.source ?? s.source}`, {
              hint: (data.scenes[s.index]?.source ?? '').includes('\\')
                ? "write paths with '/' (a backslash is part of the file name here)"
                : "paths are relative to the manifest's folder",
            }),
          ]
        : [],
    );
  },
};

const knownStylesAndVoices: Rule = {
  name: 'known-styles-and-voices',
  check(p, data) {
    const out: Diagnostic[] = [];
    for (const s of p.scenes) {
      const own = data.scenes[s.index];
      const narration = own?.narration;
      const styleAt = own?.style !== undefined ? scenePointer(s.index, 'style') : '/defaults/style';
      const voiceAt = typeof narration === 'object' && narration.voice !== undefined ? `${scenePointer(s.index, 'narration')}/voice` : '/defaults/voice';
      if (s.kind === 'generated' && !(STYLES as readonly string[]).includes(s.style)) {
        out.push(
          p.source.diagnostic(styleAt, this.name, `style \`${s.style}\` of scene \`${s.id}\` is not one of the known styles (${STYLES.join(', ')})`, {
            severity: 'warning',
            hint: didYouMean(s.style, STYLES) ?? 'the API refuses styles it does not know',
          }),
        );
      }
      if (s.narration && !(VOICES as readonly string[]).includes(s.narration.voice)) {
        out.push(
          p.source.diagnostic(voiceAt, this.name, `voice \`${s.narration.voice}\` of scene \`${s.id}\` is not one of the known voices (${VOICES.join(', ')})`, {
            severity: 'warning',
            hint: didYouMean(s.narration.voice, VOICES) ?? 'the API refuses voices it does not know',
          }),
        );
      }
    }
    return dedupe(out);
  },
};

const heldScenesExist: Rule = {
  name: 'held-scenes-exist',
  check(p) {
    const ids = p.scenes.map((s) => s.id);
    return (p.qc?.freeze?.held ?? []).flatMap((id, k) =>
      ids.includes(id)
        ? []
        : [
            p.source.diagnostic(`/qc/freeze/held/${k}`, this.name, `qc.freeze.held[${k}] names scene \`${id}\`, which does not exist`, {
              hint: didYouMean(id, ids) ?? `scene ids: ${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', …' : ''}`,
            }),
          ],
    );
  },
};

/** Every rule, in the order it runs. */
export const RULES: readonly Rule[] = [
  sceneHasOneInput,
  uniqueSceneIds,
  uniqueCueIds,
  cueRangesExist,
  sceneWithinApiLimit,
  sceneAtLeastOneFrame,
  autoNeedsNarration,
  transitionShorterThanScenes,
  transitionsFitScene,
  narrationStartsInScene,
  planAllowsResolution,
  pathsAreFileNames,
  pathsStayInside,
  outputIsNotASource,
  sourceExists,
  footageHasNoStyle,
  knownStylesAndVoices,
  heldScenesExist,
  narrationHasNoControlCharacters,
  ...RENDITION_RULES,
];

/** Runs every rule and returns what they found. */
export function checkRules(production: Production, data: ManifestData, env: RuleEnvironment): Diagnostic[] {
  return RULES.flatMap((rule) => rule.check(production, data, env));
}

/** Pairs [first index, later index] of values that repeat. */
function duplicates(values: readonly string[]): Array<[number, number]> {
  const first = new Map<string, number>();
  const out: Array<[number, number]> = [];
  values.forEach((v, i) => {
    const seen = first.get(v);
    if (seen === undefined) first.set(v, i);
    else out.push([seen, i]);
  });
  return out;
}

/** `output.path`, or `outputs[1].path`, from a rendition's pointer. */
function pathName(pointer: string): string {
  return `${pointer.slice(1).replace(/\/(\d+)$/, '[$1]')}.path`;
}

/** Seconds to at most 4 decimals: 1/24 → `0.0417`. */
function fmtSeconds(seconds: number): string {
  return String(Math.round(seconds * 10000) / 10000);
}

function fmt(duration: number | 'auto'): string {
  return duration === 'auto' ? 'auto' : `${duration} s`;
}

/** One warning per place: scenes inheriting the same default share it. */
function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = d.pointer.startsWith('/defaults/') ? d.pointer : `${d.pointer}|${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
