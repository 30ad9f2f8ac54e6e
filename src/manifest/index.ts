/** Manifest loading: YAML → validated, normalized Production, with Diagnostics that point at the text. */
export * from './diagnostic.js';
export * from './production.js';
export { compileManifest, type CompileOptions, type CompileResult } from './compile.js';
export { loadManifest, type LoadOptions, type LoadResult } from './read.js';
export { RULES, MAX_SCENE_SECONDS, type Rule, type RuleEnvironment } from './rules.js';
export { FILM_SCHEMA } from './film-schema.js';
export { ManifestSource, type Span } from './source.js';
