/**
 * Request and response types of the MercaDream REST API v2, as the client exposes them.
 * Field names are the API's (snake_case); ISO 8601 times are parsed into Date objects.
 */
import type { AudioFormat, Resolution } from '../vocabulary/catalog.js';

/** POST /v2/generate. */
export interface GenerateParams {
  /** Cinematic description, at most 1000 characters. */
  prompt: string;
  /** Default `4k` on the API. */
  resolution?: Resolution;
  /** Seconds: 15 | 30 | 60 | 120 (default 30). */
  duration?: 15 | 30 | 60 | 120;
  /** Visual style preset (default `cinematic`). */
  style?: string;
  /** 24 | 30 | 60 (default 24). */
  fps?: 24 | 30 | 60;
  /** Voice model for a narration of the prompt. */
  voice_id?: string;
  /** URL that receives job.updated / job.completed / job.failed. */
  webhook_url?: string;
}

/** POST /v2/speech. */
export interface SpeechParams {
  /** At most 5000 characters. */
  text: string;
  /** Default `neural-narrator-m`. */
  voice_id?: string;
  /** Default `mp3`. */
  format?: AudioFormat;
  /** 0.5–2.0 (default 1.0). */
  speed?: number;
  webhook_url?: string;
}

/** POST /v2/music. */
export interface MusicParams {
  /** Genre, mood, instruments. */
  prompt: string;
  /** Seconds, 15–300 (default 60). */
  duration?: number;
  /** Default `mp3`. */
  format?: AudioFormat;
  /** 60–200; chosen by the API when omitted. */
  bpm?: number;
  webhook_url?: string;
}

export type JobStatus = 'queued' | 'processing' | 'completed' | 'failed';
export type JobType = 'video' | 'speech' | 'music';

/**
 * A job as GET /v2/jobs/{id} returns it (the OpenAPI document's VideoJob, SpeechJob and MusicJob;
 * test/openapi/client-types.ts checks the two agree). Fields are optional because other
 * implementations of the API may send fewer; null means "not yet" (or, for URLs, "deleted").
 */
export interface Job {
  id: string;
  object?: 'job';
  type?: JobType;
  status: JobStatus;
  /** 0–100. */
  progress?: number;
  /** False for `mk_test_` keys. */
  livemode?: boolean;
  prompt?: string;
  text?: string;
  /** The request as the API validated it, defaults applied. */
  params?: Record<string, unknown>;
  resolution?: Resolution;
  fps?: number;
  style?: string;
  /** Seconds of media. */
  duration?: number;
  format?: string;
  /** Music: the requested tempo, or the one chosen once completed; null before. */
  bpm?: number | null;
  compute_units?: number;
  created_at?: Date;
  estimated_completion?: Date;
  /** Null until the job completes or fails. */
  completed_at?: Date | null;
  /** Signed, expiring URL; needs no API key. Null until completed and after the asset is deleted. */
  download_url?: string | null;
  thumbnail_url?: string | null;
  /** Null until completed. */
  file_size_bytes?: number | null;
  webhook_url?: string;
  error?: { type?: string; message?: string };
  [field: string]: unknown;
}

/** A page of GET /v2/jobs (newest first). */
export interface JobPage {
  data: Job[];
  has_more: boolean;
}

/** Filter and paging of GET /v2/jobs. */
export interface JobListParams {
  status?: JobStatus;
  /** 1–100 (default 20). */
  limit?: number;
  /** ISO 8601 cursor: jobs created before this time. */
  before?: string | Date;
}

/** An asset in the Vault (the OpenAPI document's Asset). */
export interface VaultAsset {
  id: string;
  object?: 'asset';
  job_id?: string;
  /** `video`, `audio` or `thumbnail`. */
  kind?: string;
  format?: string;
  content_type?: string;
  file_size_bytes?: number;
  created_at?: Date;
  download_url?: string;
  [field: string]: unknown;
}

const TIME_FIELDS = new Set(['created_at', 'estimated_completion', 'completed_at', 'expires_at', 'updated_at', 'timestamp']);

/** JSON.parse reviver that turns the API's ISO 8601 time fields into Dates. */
export function reviveTimes(key: string, value: unknown): unknown {
  if (TIME_FIELDS.has(key) && typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? value : new Date(ms);
  }
  return value;
}
