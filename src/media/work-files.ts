/** Small file helpers of the stitcher: existence checks and temp names beside a file. */
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';

/** True when `file` exists (any type). */
export async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * A temp name beside `file` that keeps its extension (so ffmpeg can still tell the format):
 * `/films/cut.mp4` → `/films/.cut.mp4.3f9a1c.partial.mp4`.
 */
export function tempBeside(file: string): string {
  const slash = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'));
  const dir = file.slice(0, slash + 1);
  const name = file.slice(slash + 1);
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? name.slice(dot) : '';
  return `${dir}.${name}.${randomBytes(4).toString('hex')}.partial${ext}`;
}
