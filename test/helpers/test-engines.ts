/**
 * Small real engines for tests of MercaDream Local's API semantics.
 *
 * They exist to exercise the API fast: each render is one ffmpeg run (argument arrays via
 * execa, never a shell) over lavfi sources — a flat colour picture at the requested frame size,
 * fps and duration with `-preset ultrafast`, a sine tone or silence for audio — so downloads
 * are genuine media files. What the media look and sound like is tested elsewhere, with the
 * real engines (src/local/engines).
 */
import { createHash } from 'node:crypto';
import { execa } from 'execa';
import { FRAME_SIZE } from '../../src/vocabulary/catalog.js';
import type { Engines, MusicRequest, RenderOptions, RenderResult, SpeechRequest, VideoRequest } from '../../src/local/engines/types.js';

const FFMPEG = process.env.FFMPEG_PATH ?? 'ffmpeg';

/** Audio encoder arguments per format. */
const AUDIO_CODEC: Readonly<Record<'mp3' | 'wav' | 'flac', string[]>> = {
  mp3: ['-c:a', 'libmp3lame', '-b:a', '64k', '-f', 'mp3'],
  wav: ['-c:a', 'pcm_s16le', '-f', 'wav'],
  flac: ['-c:a', 'flac', '-f', 'flac'],
};

/** A colour from the prompt, so different prompts give different bytes (and equal ones equal bytes). */
function colourOf(text: string): string {
  return `0x${createHash('sha256').update(text).digest('hex').slice(0, 6)}`;
}

async function ffmpeg(args: readonly string[], options: RenderOptions): Promise<void> {
  options.onProgress?.(1);
  await execa(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args], {
    ...(options.signal === undefined ? {} : { cancelSignal: options.signal }),
    stdin: 'ignore',
  });
  options.onProgress?.(100);
}

/** Options of {@link createTestEngines}. */
export interface TestEngineOptions {
  /** Called before each render with its kind and request: lets a test observe or hold renders (one prompt's, say). */
  readonly beforeRender?: (kind: 'video' | 'speech' | 'music', signal: AbortSignal | undefined, request: VideoRequest | SpeechRequest | MusicRequest) => Promise<void>;
}

/** Engines that make tiny genuine media (see the module docstring). */
export function createTestEngines(options: TestEngineOptions = {}): Engines {
  const before = options.beforeRender ?? (async () => undefined);
  return {
    version: 'test-engines-1',

    async renderVideo(request: VideoRequest, outFile: string, render: RenderOptions): Promise<RenderResult> {
      await before('video', render.signal, request);
      const { width, height } = FRAME_SIZE[request.resolution];
      const seconds = String(request.duration);
      const audio = request.voiceId === undefined ? ['-f', 'lavfi', '-i', `anullsrc=r=48000:cl=stereo`] : ['-f', 'lavfi', '-i', `sine=frequency=220:sample_rate=48000`];
      await ffmpeg(
        [
          '-f',
          'lavfi',
          '-i',
          `color=c=${colourOf(request.prompt)}:size=${width}x${height}:rate=${request.fps}:duration=${seconds}`,
          ...audio,
          '-t',
          seconds,
          '-c:v',
          'libx264',
          '-preset',
          'ultrafast',
          '-tune',
          'stillimage',
          '-pix_fmt',
          'yuv420p',
          '-c:a',
          'aac',
          '-b:a',
          '64k',
          '-f',
          'mp4',
          outFile,
        ],
        render,
      );
      return { duration: request.duration };
    },

    async renderThumbnail(videoFile: string, outFile: string, render: RenderOptions): Promise<void> {
      await ffmpeg(['-ss', '1', '-i', videoFile, '-frames:v', '1', '-vf', 'scale=320:-2', '-q:v', '5', '-f', 'image2', '-update', '1', outFile], render);
    },

    async renderSpeech(request: SpeechRequest, outFile: string, render: RenderOptions): Promise<RenderResult> {
      await before('speech', render.signal, request);
      // About 15 characters a second at speed 1, at least one second.
      const duration = Math.max(1, Math.round(([...request.text].length / 15 / request.speed) * 100) / 100);
      await ffmpeg(['-f', 'lavfi', '-i', `sine=frequency=330:sample_rate=48000:duration=${duration}`, '-ac', '1', ...AUDIO_CODEC[request.format], outFile], render);
      return { duration };
    },

    async renderMusic(request: MusicRequest, outFile: string, render: RenderOptions): Promise<RenderResult> {
      await before('music', render.signal, request);
      const bpm = request.bpm ?? 90 + ((createHash('sha256').update(request.prompt).digest()[0] ?? 0) % 60);
      await ffmpeg(['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${request.duration}`, '-ac', '2', ...AUDIO_CODEC[request.format], outFile], render);
      return { duration: request.duration, bpm };
    },
  };
}

/**
 * A gate for renders: `wait` (pass as `beforeRender`) holds every render until `open()`;
 * `waiting` counts renders held. Lets a test keep jobs `processing` without sleeping.
 */
export class RenderGate {
  #open = false;
  #waiters: Array<() => void> = [];
  waiting = 0;

  readonly wait = async (_kind: string, signal: AbortSignal | undefined): Promise<void> => {
    if (this.#open) return;
    if (signal?.aborted === true) throw new Error('aborted');
    this.waiting += 1;
    await new Promise<void>((resolve, reject) => {
      this.#waiters.push(resolve);
      signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
    });
    this.waiting -= 1;
  };

  open(): void {
    this.#open = true;
    for (const resolve of this.#waiters.splice(0)) resolve();
  }
}
