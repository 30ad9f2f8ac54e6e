/**
 * The job model of MercaDream Local: what is stored per job, and the job object the API returns.
 */
import type { AudioFormat, Resolution, Style, VoiceId } from '../vocabulary/catalog.js';
import { JOB_STATUSES } from '../vocabulary/request-parameters.js';

export { JOB_STATUSES };
export type JobType = 'video' | 'speech' | 'music';
/** queued → processing → completed | failed. */
export type JobStatus = (typeof JOB_STATUSES)[number];

/** POST /v2/generate parameters after validation, defaults applied (API spelling). */
export interface VideoParams {
  readonly prompt: string;
  readonly resolution: Resolution;
  readonly duration: number;
  readonly style: Style;
  readonly fps: number;
  readonly voice_id?: VoiceId;
}

/** POST /v2/speech parameters after validation, defaults applied. */
export interface SpeechParams {
  readonly text: string;
  readonly voice_id: VoiceId;
  readonly format: AudioFormat;
  readonly speed: number;
}

/** POST /v2/music parameters after validation, defaults applied. */
export interface MusicParams {
  readonly prompt: string;
  readonly duration: number;
  readonly format: AudioFormat;
  readonly bpm?: number;
}

/** A validated job request: which engine, its parameters, and where to send webhooks. */
export type JobRequest =
  | { readonly type: 'video'; readonly params: VideoParams; readonly webhookUrl?: string }
  | { readonly type: 'speech'; readonly params: SpeechParams; readonly webhookUrl?: string }
  | { readonly type: 'music'; readonly params: MusicParams; readonly webhookUrl?: string };

/** Why a job failed, as the job object reports it. */
export interface JobError {
  /** `render_failed` | `injected_failure` | `interrupted`. */
  readonly type: string;
  readonly message: string;
}

/** A job as stored on disk (dataDir/jobs/<id>.json). Times are Unix milliseconds. */
export interface JobRecord {
  readonly id: string;
  /** SHA-256 hex of the owning key (never the key). */
  readonly owner: string;
  readonly livemode: boolean;
  readonly request: JobRequest;
  status: JobStatus;
  /** 0–100. */
  progress: number;
  readonly computeUnits: number;
  readonly createdAt: number;
  estimatedCompletion: number;
  completedAt?: number;
  assetId?: string;
  thumbnailAssetId?: string;
  fileSizeBytes?: number;
  /** Seconds of media produced. */
  mediaDuration?: number;
  bpm?: number;
  error?: JobError;
  /** The Idempotency-Key the job was created under, and the SHA-256 of the request it named. */
  readonly idempotency?: { readonly key: string; readonly bodyHash: string };
}

/** The job object of the API. URLs are filled in by the caller (they are signed per response). */
export interface JobView {
  readonly id: string;
  readonly object: 'job';
  readonly type: JobType;
  readonly status: JobStatus;
  readonly progress: number;
  readonly livemode: boolean;
  readonly prompt?: string;
  readonly text?: string;
  readonly params: VideoParams | SpeechParams | MusicParams;
  readonly compute_units: number;
  readonly created_at: string;
  readonly estimated_completion: string;
  readonly completed_at: string | null;
  readonly download_url: string | null;
  readonly thumbnail_url?: string | null;
  readonly file_size_bytes: number | null;
  readonly duration: number;
  readonly resolution?: Resolution;
  readonly fps?: number;
  readonly style?: Style;
  readonly format?: AudioFormat;
  readonly bpm?: number | null;
  readonly webhook_url?: string;
  readonly error?: JobError;
}

/** ISO 8601 UTC with milliseconds. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * The API's job object for `job`. `urls` are the signed download URLs of its assets (null
 * while the job has none or after the asset was deleted from the vault).
 */
export function jobView(job: JobRecord, urls: { download: string | null; thumbnail: string | null }): JobView {
  const req = job.request;
  const common = {
    id: job.id,
    object: 'job' as const,
    type: req.type,
    status: job.status,
    progress: job.progress,
    livemode: job.livemode,
    compute_units: job.computeUnits,
    created_at: iso(job.createdAt),
    estimated_completion: iso(job.estimatedCompletion),
    completed_at: job.completedAt === undefined ? null : iso(job.completedAt),
    download_url: urls.download,
    file_size_bytes: job.fileSizeBytes ?? null,
    ...(req.webhookUrl === undefined ? {} : { webhook_url: req.webhookUrl }),
    ...(job.error === undefined ? {} : { error: job.error }),
  };
  switch (req.type) {
    case 'video':
      return {
        ...common,
        prompt: req.params.prompt,
        params: req.params,
        thumbnail_url: urls.thumbnail,
        duration: job.mediaDuration ?? req.params.duration,
        resolution: req.params.resolution,
        fps: req.params.fps,
        style: req.params.style,
      };
    case 'speech':
      return { ...common, text: req.params.text, params: req.params, duration: job.mediaDuration ?? 0, format: req.params.format };
    case 'music':
      return {
        ...common,
        prompt: req.params.prompt,
        params: req.params,
        duration: job.mediaDuration ?? req.params.duration,
        format: req.params.format,
        bpm: job.bpm ?? req.params.bpm ?? null,
      };
    default:
      return unreachable(req);
  }
}

/** Exhaustiveness check for switches over unions. */
export function unreachable(value: never): never {
  throw new Error(`unreachable: ${JSON.stringify(value)}`);
}
