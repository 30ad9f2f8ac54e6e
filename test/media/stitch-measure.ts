/** Measurements of stitched files for the tests (independent of the stitcher's own code). */
import { execa } from 'execa';

/** ffprobe's JSON of a file's streams and format. */
export async function ffprobeJson(file: string): Promise<{
  streams: Record<string, string | number | Record<string, string>>[];
  format: Record<string, string | Record<string, string>>;
}> {
  const { stdout } = await execa('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', file]);
  return JSON.parse(stdout) as never;
}

/** Presentation times (seconds) of the video packets. */
export async function videoPacketTimes(file: string): Promise<number[]> {
  const { stdout } = await execa('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', file]);
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map(Number)
    .sort((a, b) => a - b);
}

/** Integrated loudness (LUFS) and true peak (dBTP) with ebur128 (EBU R128). */
export async function ebur128(file: string): Promise<{ integrated: number; truePeak: number }> {
  const { stderr } = await execa('ffmpeg', ['-nostdin', '-hide_banner', '-nostats', '-i', file, '-map', '0:a:0', '-af', 'ebur128=peak=true', '-f', 'null', '-']);
  const summary = stderr.slice(stderr.lastIndexOf('Summary:'));
  const integrated = Number(/I:\s+(-?[\d.]+) LUFS/.exec(summary)?.[1]);
  const truePeak = Number(/True peak:\s+Peak:\s+(-?[\d.]+|-inf) dBFS/.exec(summary)?.[1]);
  return { integrated, truePeak };
}

/** Mean volume, dB (volumedetect), of [start, start+duration) of the audio after `filters`. */
export async function meanVolume(file: string, start: number, duration: number, filters: string): Promise<number> {
  const { stderr } = await execa('ffmpeg', [
    '-nostdin',
    '-hide_banner',
    '-nostats',
    '-ss',
    String(start),
    '-t',
    String(duration),
    '-i',
    file,
    '-map',
    '0:a:0',
    '-af',
    `${filters},volumedetect`,
    '-f',
    'null',
    '-',
  ]);
  return Number(/mean_volume:\s+(-?[\d.]+) dB/.exec(stderr)?.[1]);
}

/** One decoded frame at `time` as packed RGB, with a pixel reader. */
export async function frameAt(file: string, time: number): Promise<{ width: number; height: number; rgb: (x: number, y: number) => [number, number, number] }> {
  const info = await ffprobeJson(file);
  const video = info.streams.find((s) => s['codec_type'] === 'video');
  const width = Number(video?.['width']);
  const height = Number(video?.['height']);
  const { stdout } = await execa('ffmpeg', ['-nostdin', '-v', 'error', '-ss', String(time), '-i', file, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], {
    encoding: 'buffer',
  });
  const data = Buffer.from(stdout);
  return {
    width,
    height,
    rgb: (x, y) => {
      const i = (y * width + x) * 3;
      return [data[i] ?? -1, data[i + 1] ?? -1, data[i + 2] ?? -1];
    },
  };
}

/** Cues of an SRT or WebVTT document: times in seconds and the text. */
export function parseCues(text: string): { start: number; end: number; text: string }[] {
  const toSeconds = (stamp: string): number => {
    const [h, m, s] = stamp.replace(',', '.').split(':').map(Number);
    return (h ?? 0) * 3600 + (m ?? 0) * 60 + (s ?? 0);
  };
  return text
    .split(/\n\n+/)
    .map((block) => block.split('\n'))
    .flatMap((lines) => {
      const at = lines.findIndex((l) => l.includes(' --> '));
      if (at < 0) return [];
      const [a, b] = (lines[at] ?? '').split(' --> ');
      return [
        {
          start: toSeconds(a ?? ''),
          end: toSeconds(b ?? ''),
          text: lines
            .slice(at + 1)
            .join('\n')
            .trimEnd(),
        },
      ];
    });
}

/** One frame of a file: the frame shown at `time` seconds, after `filter` (a -vf chain, e.g. a crop and a scale; '' for none). */
export interface FrameRegion {
  readonly file: string;
  readonly time: number;
  readonly filter: string;
}

/**
 * Similarity of two frames (after their filters, which must make them the same size), as
 * ffmpeg's ssim (0–1, 1 = identical) and psnr (dB, Infinity = identical) filters judge it.
 */
export async function frameSimilarity(a: FrameRegion, b: FrameRegion): Promise<{ ssim: number; psnr: number }> {
  const chain = (r: FrameRegion, i: number, label: string): string => `[${i}:v]${r.filter === '' ? '' : `${r.filter},`}format=yuv420p,setpts=PTS-STARTPTS[${label}]`;
  const graph = [chain(a, 0, 'a'), chain(b, 1, 'b'), '[a]split[a1][a2]', '[b]split[b1][b2]', '[a1][b1]ssim', '[a2][b2]psnr'];
  const inputs = [a, b].flatMap((r) => ['-ss', String(r.time), '-i', r.file]);
  const { stderr } = await execa('ffmpeg', ['-nostdin', '-hide_banner', '-nostats', ...inputs, '-filter_complex', graph.join(';'), '-frames:v', '1', '-f', 'null', '-']);
  const ssim = Number(/SSIM .*All:([\d.]+)/.exec(stderr)?.[1]);
  const psnrText = /PSNR .*average:(inf|[\d.]+)/.exec(stderr)?.[1];
  return { ssim, psnr: psnrText === 'inf' ? Infinity : Number(psnrText) };
}

/** Number of video frames in a file (ffprobe counts its packets). */
export async function videoFrameCount(file: string): Promise<number> {
  return (await videoPacketTimes(file)).length;
}
