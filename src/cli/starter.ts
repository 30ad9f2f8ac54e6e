/**
 * What `mercadream-pipeline init` writes: a starter manifest (two generated scenes joined by a
 * dissolve, one narration, one score cue: small enough for MercaDream Local to make in seconds)
 * and the lines a project's `.gitignore` needs.
 */

/** The file name of the starter manifest. */
export const STARTER_MANIFEST = 'film.yaml';

/**
 * What a project keeps out of git: the cache and MercaDream Local's data (`.mercadream/`) and the
 * rendered films (`out/`). The lock file stays in: it makes the production reproducible.
 */
export const IGNORED = ['.mercadream/', 'out/'] as const;

/**
 * The starter manifest's text.
 * @param schemaPath where its modeline points: the installed package's film.schema.json,
 *   relative to the manifest's folder (forward slashes), so editors with yaml-language-server
 *   check the manifest as it is typed
 * @param title the film's title (the project folder's name)
 */
export function starterManifest(schemaPath: string, title: string): string {
  return `# yaml-language-server: $schema=${schemaPath}
# A starter film. Check it, then make it (offline, with MercaDream Local, when no
# MERCADREAM_API_KEY is set):
#   mercadream-pipeline validate ${STARTER_MANIFEST}
#   mercadream-pipeline run ${STARTER_MANIFEST}
version: 1
title: ${JSON.stringify(title)}
plan: regular                  # 60 requests/min, 2 concurrent jobs, up to 720p
output:
  path: out/film.mp4           # relative to this file's folder
  resolution: 720p
  fps: 24
defaults:
  transition: { type: dissolve, duration: 0.5 }
scenes:
  - id: opening
    prompt: Morning light over a quiet harbor, slow pan
    duration: 3
    narration: It starts with one scene.
  - id: closing
    prompt: Boats leaving the harbor at dusk, long shadows
    duration: 3
score:
  - id: theme
    prompt: Warm acoustic guitar, gentle and slow
    gain: -8                   # dB
`;
}

/**
 * `existing` (a .gitignore's text, empty when there is none) with the {@link IGNORED} lines it
 * lacks added under a comment; undefined when it already has them all.
 */
export function withIgnored(existing: string): string | undefined {
  const present = new Set(existing.split(/\r?\n/).map((line) => line.trim()));
  const missing = IGNORED.filter((line) => !present.has(line) && !present.has(line.replace(/\/$/, '')));
  if (missing.length === 0) return undefined;
  const lead = existing === '' || existing.endsWith('\n') ? existing : `${existing}\n`;
  return `${lead}${lead === '' ? '' : '\n'}# mercadream-pipeline: cache and MercaDream Local data, rendered films (commit the lock files)\n${missing.join('\n')}\n`;
}
