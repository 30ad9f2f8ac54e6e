/**
 * The real media engines for `serve`, loaded lazily from ./engines/index.js.
 *
 * TODO(merge): src/local/engines/index.ts (`createEngines()`) is written on another branch. The
 * module specifier is held in a variable so this branch compiles without it; once the engines
 * branch is merged, replace the body with a static-typed
 * `const { createEngines } = await import('./engines/index.js');` and drop the runtime check.
 */
import type { EngineQuality, Engines } from './engines/types.js';

/** The engines module is missing or does not export `createEngines`. */
export class EnginesUnavailableError extends Error {
  readonly type = 'engines_unavailable';
}

/**
 * Loads the real engines. Rejects with {@link EnginesUnavailableError} when the engines module
 * is not part of this build.
 */
export async function loadDefaultEngines(quality: EngineQuality): Promise<Engines> {
  const specifier = './engines/index.js';
  let module: { createEngines?: (options?: { quality?: EngineQuality }) => Engines | Promise<Engines> };
  try {
    module = (await import(specifier)) as typeof module;
  } catch (error: unknown) {
    throw new EnginesUnavailableError('The MercaDream Local media engines are not part of this build.', { cause: error });
  }
  if (typeof module.createEngines !== 'function') {
    throw new EnginesUnavailableError('The MercaDream Local engines module does not export createEngines().');
  }
  return module.createEngines({ quality });
}
