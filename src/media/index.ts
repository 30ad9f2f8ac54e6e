/** The stitcher's public surface: render a final cut from a StitchPlan. */
export { stitch } from './stitch.js';
export type { Reframe, StitchClip, StitchCue, StitchNarration, StitchOptions, StitchOutput, StitchPlan, StitchResult } from './stitch-types.js';
/** For the plan and the runner: the reframe modes and checks of renditions (reframe.ts). */
export { REFRAME_MODES, DEFAULT_FOCUS, checkReframe } from './reframe.js';
export { StitchPlanError } from './stitch-timeline.js';
export { LoudnessError } from './loudness.js';
export { FfmpegError } from './process.js';
/** For the runner: conform a clip as soon as its asset arrives, so stitch() later finds it in workDir. */
export { conformClip, type ConformOptions, type ConformRequest, type ConformedClip } from './conform.js';
export type { HouseFormat } from './house-format.js';
/** For the composition root (the CLI command): locate ffmpeg once, pass the binaries down (StitchOptions.binaries). */
export { locateFfmpeg, FfmpegNotFoundError, FfmpegSettingError, type FfmpegBinaries, type LocateEnv } from './ffmpeg.js';
/** For the runner, at the start of a run holding the run lock: remove what killed runs left in workDir. */
export { sweepWorkDir, isWorkLitter } from './work-files.js';
export type { SweepResult } from '../util/sweep.js';
