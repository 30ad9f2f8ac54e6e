/** Where a production keeps its state: `.mercadream/` and its lock file, beside the manifest. */
import { join } from 'node:path';
import { manifestStem } from '../manifest/normalize.js';
import type { Production } from '../manifest/production.js';
import { AssetCache } from './cache.js';

/** `<manifest folder>/.mercadream`: cache, job records, MercaDream Local's data, work files. */
export function stateDirOf(production: Production): string {
  return join(production.baseDir, '.mercadream');
}

/**
 * `<manifest folder>/<manifest name>.lock.json`; a production expanded from a matrix gets
 * `<manifest name>.<its matrix values>.lock.json`.
 */
export function lockPathOf(production: Production): string {
  const stem = manifestStem(production.file);
  const variant = production.variant ? `.${production.variant}` : '';
  return join(production.baseDir, `${stem}${variant}.lock.json`);
}

/** Where one production keeps its state: its folders, its lock file and its asset cache. */
export interface ProjectState {
  /** `<manifest folder>/.mercadream`. */
  readonly stateDir: string;
  /** `<manifest folder>/<manifest name>[.<variant>].lock.json`. */
  readonly lockPath: string;
  /** The content-addressed asset cache in `<stateDir>/cache`, shared by every production of the folder. */
  readonly cache: AssetCache;
  /** `<stateDir>/work`: the stitcher's intermediate files. */
  readonly workDir: string;
}

/**
 * The projects of one command: each production's state, constructed once, with one AssetCache
 * per state folder however many productions (matrix combinations, manifests) share it. `plan`,
 * `run` and batches all take their state from here.
 */
export class Projects {
  readonly #caches = new Map<string, AssetCache>();

  /** The state of `production`. */
  of(production: Production): ProjectState {
    const stateDir = stateDirOf(production);
    let cache = this.#caches.get(stateDir);
    if (!cache) {
      cache = new AssetCache(join(stateDir, 'cache'));
      this.#caches.set(stateDir, cache);
    }
    return { stateDir, lockPath: lockPathOf(production), cache, workDir: join(stateDir, 'work') };
  }
}
