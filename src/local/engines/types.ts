/**
 * The contract between MercaDream Local's job workers and its media engines.
 *
 * Every engine is deterministic: the same request gives byte-identical output. Engines write
 * to the path they are given (the caller renames it into the vault) and never touch the network.
 */
import type { AudioFormat, Resolution, Style, VoiceId } from '../../vocabulary/catalog.js';

/** How much work an engine may spend: `full` for real use, `fast` for tests (same contract, cheaper look). */
export type EngineQuality = 'full' | 'fast';

/** Options shared by every render. */
export interface RenderOptions {
  readonly quality: EngineQuality;
  /** Cancels the render; the engine kills its ffmpeg process and rejects. */
  readonly signal?: AbortSignal;
  /** Called with 0–100 as the render progresses. */
  readonly onProgress?: (percent: number) => void;
}

/** Parameters of POST /v2/generate after validation and defaults. */
export interface VideoRequest {
  readonly prompt: string;
  readonly resolution: Resolution;
  /** Seconds: 15 | 30 | 60 | 120. */
  readonly duration: number;
  readonly style: Style;
  /** 24 | 30 | 60. */
  readonly fps: number;
  /** When set, the clip carries a narration of the prompt in this voice. */
  readonly voiceId?: VoiceId;
}

/** Parameters of POST /v2/speech after validation and defaults. */
export interface SpeechRequest {
  readonly text: string;
  readonly voiceId: VoiceId;
  readonly format: AudioFormat;
  /** 0.5–2.0; tempo only, pitch unchanged. */
  readonly speed: number;
}

/** Parameters of POST /v2/music after validation and defaults. */
export interface MusicRequest {
  readonly prompt: string;
  /** Seconds, 15–300. */
  readonly duration: number;
  readonly format: AudioFormat;
  /** 60–200; absent = chosen from the prompt. */
  readonly bpm?: number;
}

/** What an engine reports about the file it wrote. */
export interface RenderResult {
  /** Media duration in seconds. */
  readonly duration: number;
  /** Beats per minute actually used (music only). */
  readonly bpm?: number;
}

/** The three engines plus the thumbnail a video job carries. */
export interface Engines {
  renderVideo(request: VideoRequest, outFile: string, options: RenderOptions): Promise<RenderResult>;
  /** A JPEG still of `videoFile` (one frame from its middle) written to `outFile`. */
  renderThumbnail(videoFile: string, outFile: string, options: RenderOptions): Promise<void>;
  renderSpeech(request: SpeechRequest, outFile: string, options: RenderOptions): Promise<RenderResult>;
  renderMusic(request: MusicRequest, outFile: string, options: RenderOptions): Promise<RenderResult>;
  /** Changes whenever output bytes for the same request would change (enters fingerprints). */
  readonly version: string;
}
