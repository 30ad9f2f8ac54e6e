/** A MediaProbe as ffprobe would report a house-tagged H.264 file, for pure tests (nothing is probed). */
import type { MediaProbe } from '../../src/media/probe.js';

/**
 * @param picture seconds and frame of the video stream (`rotation` degrees, default 0)
 * @param channels audio channels (AAC, 48 kHz); 0 = no audio stream
 */
export function fakeProbe(picture: { duration: number; width: number; height: number; fps: number; rotation?: number }, channels = 2): MediaProbe {
  return {
    duration: picture.duration,
    size: 1,
    formatName: 'mov',
    video: {
      codec: 'h264',
      width: picture.width,
      height: picture.height,
      fps: picture.fps,
      pixFmt: 'yuv420p',
      sar: '1:1',
      rotation: picture.rotation ?? 0,
      colour: { primaries: 'bt709', transfer: 'bt709', space: 'bt709', range: 'tv' },
    },
    audio: channels > 0 ? { codec: 'aac', sampleRate: 48000, channels } : null,
  };
}
