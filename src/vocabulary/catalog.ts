/**
 * The vocabulary of the MercaDream v2 API: what MercaDream Local offers where the v2 API document names a parameter but not its values
 * (`style`, `voice_id`), and the plan table of the document's RATE LIMITS section.
 *
 * Source: ../shared/seed/mercadream-api-v2.txt (plans, bounds, defaults) and docs/design.md
 * (decisions where the document is silent).
 */

/** Visual style presets accepted by POST /v2/generate `style` (default `cinematic`). */
export const STYLES = ['cinematic', 'noir', 'vintage', 'anime', 'documentary'] as const;
export type Style = (typeof STYLES)[number];

/**
 * Voice models accepted by `voice_id` on POST /v2/speech and POST /v2/generate.
 * `neural-narrator-m` is the API's documented default.
 */
export const VOICES = ['neural-narrator-m', 'neural-narrator-f', 'neural-narrator-m2', 'neural-narrator-f2'] as const;
export type VoiceId = (typeof VOICES)[number];

/** Output resolutions, in the API's order from smallest to largest. */
export const RESOLUTIONS = ['720p', '1080p', '4k', '8k'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

/** Frame size in pixels of each resolution (16:9). */
export const FRAME_SIZE: Readonly<Record<Resolution, { width: number; height: number }>> = {
  '720p': { width: 1280, height: 720 },
  '1080p': { width: 1920, height: 1080 },
  '4k': { width: 3840, height: 2160 },
  '8k': { width: 7680, height: 4320 },
};

/** Clip lengths POST /v2/generate can make, in seconds (API reference, POST /generate `duration`). */
export const CLIP_DURATIONS = [15, 30, 60, 120] as const;
/** The longest clip POST /v2/generate makes, seconds: a scene longer than this must be split. */
export const MAX_CLIP_SECONDS = 120 satisfies (typeof CLIP_DURATIONS)[3];
/** Music lengths POST /v2/music makes, whole seconds (API reference, POST /music `duration`: 15–300). */
export const MUSIC_SECONDS = { min: 15, max: 300 } as const;
/** Frame rates the API renders (`fps`). */
export const FPS_VALUES = [24, 30, 60] as const;
export const AUDIO_FORMATS = ['mp3', 'wav', 'flac'] as const;
export type AudioFormat = (typeof AUDIO_FORMATS)[number];

/** Plans; `free` has no API access (403 everywhere). */
export const PLANS = ['regular', 'advanced', 'professional', 'free'] as const;
export type PlanName = (typeof PLANS)[number];
/** The plans that may call the API: the ones a manifest or `--plan` can name. */
export type PaidPlan = Exclude<PlanName, 'free'>;

/** Per-plan limits from the document's RATE LIMITS table. */
export interface PlanLimits {
  /** Requests per API key per minute. */
  readonly requestsPerMinute: number;
  /** Jobs that may be queued or processing at once. */
  readonly concurrentJobs: number;
  /** Largest resolution the plan may request. */
  readonly maxResolution: Resolution;
}

export const PLAN_LIMITS: Readonly<Record<PaidPlan, PlanLimits>> = {
  regular: { requestsPerMinute: 60, concurrentJobs: 2, maxResolution: '720p' },
  advanced: { requestsPerMinute: 200, concurrentJobs: 5, maxResolution: '4k' },
  professional: { requestsPerMinute: 1000, concurrentJobs: 20, maxResolution: '8k' },
};

/** True when `resolution` is within `max` (720p < 1080p < 4k < 8k). */
export function resolutionWithin(resolution: Resolution, max: Resolution): boolean {
  return RESOLUTIONS.indexOf(resolution) <= RESOLUTIONS.indexOf(max);
}
