/**
 * The parameters of the v2 API's requests — each one's kind, bounds, allowed values and default —
 * as one table: MercaDream Local validates requests with it (src/local/validate.ts) and the OpenAPI
 * document describes them from it (src/local/openapi/), so the two cannot disagree.
 *
 * Source: ../shared/seed/mercadream-api-v2.txt (POST /GENERATE, POST /SPEECH, POST /MUSIC, GET
 * /JOBS: bounds and defaults) and catalog.ts (styles and voices, which the document does not list);
 * the 2048-character webhook URL and the whitespace rule are MercaDream Local's (docs/local.md).
 *
 * Pure: data only.
 */
import { AUDIO_FORMATS, CLIP_DURATIONS, FPS_VALUES, MUSIC_SECONDS, RESOLUTIONS, STYLES, VOICES } from './catalog.js';

/** A required string of 1–`maxLength` characters (code points), not only whitespace. */
export interface TextParameter {
  readonly kind: 'text';
  readonly maxLength: number;
  readonly description: string;
}

/** One of `values` (strings, or integers), with an optional default. */
export interface EnumParameter<T extends string | number = string | number> {
  readonly kind: 'enum';
  readonly values: readonly T[];
  readonly default?: T;
  readonly description: string;
}

/** A whole number from `minimum` to `maximum` inclusive, with an optional default. */
export interface IntegerParameter {
  readonly kind: 'integer';
  readonly minimum: number;
  readonly maximum: number;
  readonly default?: number;
  readonly description: string;
}

/** A finite number from `minimum` to `maximum` inclusive, with an optional default. */
export interface NumberParameter {
  readonly kind: 'number';
  readonly minimum: number;
  readonly maximum: number;
  readonly default?: number;
  readonly description: string;
}

/** An absolute http or https URL of at most `maxLength` characters. */
export interface UrlParameter {
  readonly kind: 'url';
  readonly maxLength: number;
  readonly description: string;
}

/** An ISO 8601 timestamp with a time zone, e.g. `2025-06-01T14:22:31Z`, matching `pattern` (and a real date). */
export interface TimestampParameter {
  readonly kind: 'timestamp';
  readonly pattern: string;
  readonly description: string;
}

/** Any parameter of the table. */
export type RequestParameter = TextParameter | EnumParameter | IntegerParameter | NumberParameter | UrlParameter | TimestampParameter;

const WEBHOOK_URL: UrlParameter = {
  kind: 'url',
  maxLength: 2048,
  description: 'URL that receives the job.updated, job.completed and job.failed webhooks (absolute http or https, at most 2048 characters).',
};

/** POST /v2/generate: body parameters, in the API document's order. `prompt` is required. */
export const GENERATE_PARAMETERS = {
  prompt: { kind: 'text', maxLength: 1000, description: 'Cinematic description of the clip, 1–1000 characters.' },
  resolution: { kind: 'enum', values: RESOLUTIONS, default: '4k', description: "Frame size; must be within the key's plan (regular 720p, advanced 4k, professional 8k)." },
  duration: { kind: 'enum', values: CLIP_DURATIONS, default: 30, description: 'Length of the clip in seconds.' },
  style: { kind: 'enum', values: STYLES, default: 'cinematic', description: 'Visual style preset.' },
  fps: { kind: 'enum', values: FPS_VALUES, default: 24, description: 'Frames per second.' },
  voice_id: { kind: 'enum', values: VOICES, description: 'Voice model of a narration of the prompt; none when absent.' },
  webhook_url: WEBHOOK_URL,
} as const satisfies Readonly<Record<string, RequestParameter>>;

/** POST /v2/speech: body parameters. `text` is required. */
export const SPEECH_PARAMETERS = {
  text: { kind: 'text', maxLength: 5000, description: 'Text to speak, 1–5000 characters.' },
  voice_id: { kind: 'enum', values: VOICES, default: 'neural-narrator-m', description: 'Voice model.' },
  format: { kind: 'enum', values: AUDIO_FORMATS, default: 'mp3', description: 'Audio file format.' },
  speed: { kind: 'number', minimum: 0.5, maximum: 2.0, default: 1.0, description: 'Speaking rate, times normal speed.' },
  webhook_url: WEBHOOK_URL,
} as const satisfies Readonly<Record<string, RequestParameter>>;

/** POST /v2/music: body parameters. `prompt` is required. */
export const MUSIC_PARAMETERS = {
  prompt: { kind: 'text', maxLength: 1000, description: 'Genre, mood and instruments of the music, 1–1000 characters.' },
  duration: { kind: 'integer', minimum: MUSIC_SECONDS.min, maximum: MUSIC_SECONDS.max, default: 60, description: 'Length of the music in seconds.' },
  format: { kind: 'enum', values: AUDIO_FORMATS, default: 'mp3', description: 'Audio file format.' },
  bpm: { kind: 'integer', minimum: 60, maximum: 200, description: 'Tempo in beats per minute; chosen by the engine when absent (the finished job reports it).' },
  webhook_url: WEBHOOK_URL,
} as const satisfies Readonly<Record<string, RequestParameter>>;

/** The states of a job, in order: queued → processing → completed | failed. */
export const JOB_STATUSES = ['queued', 'processing', 'completed', 'failed'] as const;

/** Query parameters of the list endpoints: GET /v2/jobs takes all three, GET /v2/vault `limit` and `before`. */
export const LIST_PARAMETERS = {
  status: { kind: 'enum', values: JOB_STATUSES, description: 'Only jobs with this status.' },
  limit: { kind: 'integer', minimum: 1, maximum: 100, default: 20, description: 'Most items in the page.' },
  before: {
    kind: 'timestamp',
    pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:?\\d{2})$',
    description: 'Only items created strictly before this ISO 8601 time: pass the created_at of the last item of a page to get the next page.',
  },
} as const satisfies Readonly<Record<string, RequestParameter>>;

/** The parameters that must be present in each request body. */
export const REQUIRED_PARAMETERS = { generate: ['prompt'], speech: ['text'], music: ['prompt'] } as const;

/** Largest request body, in bytes (64 KiB): larger bodies are refused with 400 `body_too_large`. */
export const MAX_BODY_BYTES = 64 * 1024;

/** Idempotency-Key header: 1–255 visible ASCII characters, remembered 24 hours per API key. */
export const IDEMPOTENCY_KEY_PATTERN = '^[\\x21-\\x7e]{1,255}$';
