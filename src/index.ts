/**
 * mercadream-pipeline as a library: the MercaDream v2 client (`MercaClient`), the manifest
 * loader, and the vocabulary of the API. The CLI (`mercadream-pipeline`) is built on these.
 */
export * from './api/index.js';
export { loadManifest, compileManifest, formatDiagnostic, type Diagnostic, type Production } from './manifest/index.js';
export { startLocalServer, type LocalServer, type LocalServerOptions } from './local/server.js';
export { createEngines } from './local/engines/index.js';
export {
  stitch,
  StitchPlanError,
  LoudnessError,
  FfmpegError,
  type StitchPlan,
  type StitchOptions,
  type StitchResult,
  type StitchClip,
  type StitchCue,
  type StitchNarration,
  type StitchOutput,
} from './media/index.js';
