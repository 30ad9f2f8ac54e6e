/**
 * Finds the ffmpeg and ffprobe binaries and reports what the found build can do.
 *
 * Nothing here is remembered between calls: the program's entry point (the CLI command) calls
 * locateFfmpeg once and hands the FfmpegBinaries it returns to whatever runs ffmpeg or ffprobe
 * (stitch, probe, runFfmpeg, the loudness passes, the Local engines).
 *
 * Lookup order (first hit wins):
 * - ffmpeg:  `FFMPEG_PATH` → `ffmpeg` on `PATH` → the optional package `ffmpeg-static`.
 * - ffprobe: `FFPROBE_PATH` → `ffprobe` on `PATH` → `ffprobe` in the folder of the found ffmpeg.
 *
 * A variable that is set (non-empty) is the user's explicit choice: when it does not name an
 * executable file, the lookup stops with FfmpegSettingError instead of quietly using another
 * binary. An empty variable counts as unset.
 *
 * Only `capabilities()` spawns a process; locating is file-system checks only.
 */
import { access, constants, stat } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';

/** Where a binary was found. */
export type BinarySource = 'env' | 'path' | 'ffmpeg-static' | 'beside-ffmpeg';

/**
 * The binaries the media modules spawn, as locateFfmpeg found them: a plain value, passed
 * down explicitly (StitchOptions.binaries, createEngines, capabilities…).
 */
export interface FfmpegBinaries {
  /** Path of ffmpeg: absolute when found on PATH, as given in FFMPEG_PATH otherwise. */
  readonly ffmpeg: string;
  /** Where ffmpeg was found. */
  readonly ffmpegSource: BinarySource;
  /** Path of ffprobe (same rules). */
  readonly ffprobe: string;
  /** Where ffprobe was found. */
  readonly ffprobeSource: BinarySource;
}

/** The environment variable that names each binary. */
const VARIABLE = { ffmpeg: 'FFMPEG_PATH', ffprobe: 'FFPROBE_PATH' } as const;

/** Thrown when ffmpeg or ffprobe cannot be found; `binary` says which, `searched` where. */
export class FfmpegNotFoundError extends Error {
  override readonly name: string = 'FfmpegNotFoundError';
  readonly reason = 'not-found' as const;
  /**
   * @param binary which binary is missing
   * @param searched the places tried, in order (`FFMPEG_PATH=…`, `PATH`, `ffmpeg-static`, a folder)
   * @param message overrides the default message (for subclasses)
   */
  constructor(
    readonly binary: 'ffmpeg' | 'ffprobe',
    readonly searched: readonly string[],
    message?: string,
  ) {
    super(message ?? `${binary} was not found (looked in: ${searched.join(', ')}). ` + `Install ffmpeg (e.g. apt-get install ffmpeg), or set ${VARIABLE[binary]}.`);
  }
}

/**
 * `FFMPEG_PATH` or `FFPROBE_PATH` is set but does not name an executable file (missing, a
 * folder, or not executable). A FfmpegNotFoundError, so callers that report a missing ffmpeg
 * report this too; its message names the variable and its value, e.g.
 * `FFMPEG_PATH=/nope is not an executable file; unset it or point it at ffmpeg`.
 */
export class FfmpegSettingError extends FfmpegNotFoundError {
  override readonly name: string = 'FfmpegSettingError';
  /**
   * @param variable the variable at fault
   * @param value its value, as set
   */
  constructor(
    readonly variable: 'FFMPEG_PATH' | 'FFPROBE_PATH',
    readonly value: string,
  ) {
    const binary = variable === 'FFMPEG_PATH' ? 'ffmpeg' : 'ffprobe';
    super(binary, [`${variable}=${value}`], `${variable}=${value} is not an executable file; unset it or point it at ${binary}`);
  }
}

/** The environment variables the lookup reads. */
export interface LocateEnv {
  readonly FFMPEG_PATH?: string | undefined;
  readonly FFPROBE_PATH?: string | undefined;
  readonly PATH?: string | undefined;
}

/** True when `file` is a regular file (symlinks followed) that this process may execute. */
async function isExecutable(file: string): Promise<boolean> {
  try {
    if (!(await stat(file)).isFile()) return false;
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The file a set variable names (the user's explicit choice), undefined when it is unset or empty.
 * @throws FfmpegSettingError when it is set but not an executable file
 */
async function fromVariable(variable: 'FFMPEG_PATH' | 'FFPROBE_PATH', value: string | undefined): Promise<string | undefined> {
  if (value === undefined || value === '') return undefined;
  if (await isExecutable(value)) return value;
  throw new FfmpegSettingError(variable, value);
}

/** First `name` (`name.exe` on Windows) on `pathVar` that is executable, or undefined. */
async function onPath(name: string, pathVar: string | undefined): Promise<string | undefined> {
  const file = process.platform === 'win32' ? `${name}.exe` : name;
  for (const dir of (pathVar ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, file);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** The `ffmpeg-static` package's binary, when that optional dependency is installed. */
async function fromFfmpegStatic(): Promise<string | undefined> {
  try {
    const specifier = 'ffmpeg-static';
    const mod = (await import(specifier)) as { default?: unknown };
    const file = mod.default;
    return typeof file === 'string' && (await isExecutable(file)) ? file : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Locates ffmpeg and ffprobe (see the module comment for the order). File-system checks only.
 * @param env defaults to `process.env`; injectable for tests.
 * @returns the two paths and where each was found.
 * @throws FfmpegSettingError when FFMPEG_PATH or FFPROBE_PATH is set but is not an executable
 *   file; FfmpegNotFoundError when either binary is missing from every place.
 */
export async function locateFfmpeg(env: LocateEnv = process.env): Promise<FfmpegBinaries> {
  const ffmpeg = await firstFound('ffmpeg', [
    ['env', env.FFMPEG_PATH ? `FFMPEG_PATH=${env.FFMPEG_PATH}` : undefined, () => fromVariable('FFMPEG_PATH', env.FFMPEG_PATH)],
    ['path', 'PATH', () => onPath('ffmpeg', env.PATH)],
    ['ffmpeg-static', 'ffmpeg-static', fromFfmpegStatic],
  ]);
  const beside = path.join(path.dirname(ffmpeg.file), process.platform === 'win32' ? 'ffprobe.exe' : 'ffprobe');
  const ffprobe = await firstFound('ffprobe', [
    ['env', env.FFPROBE_PATH ? `FFPROBE_PATH=${env.FFPROBE_PATH}` : undefined, () => fromVariable('FFPROBE_PATH', env.FFPROBE_PATH)],
    ['path', 'PATH', () => onPath('ffprobe', env.PATH)],
    ['beside-ffmpeg', beside, async () => ((await isExecutable(beside)) ? beside : undefined)],
  ]);
  return { ffmpeg: ffmpeg.file, ffmpegSource: ffmpeg.source, ffprobe: ffprobe.file, ffprobeSource: ffprobe.source };
}

/**
 * Tries each place in order: [source, what to report as searched (undefined = skipped), lookup].
 * @throws FfmpegNotFoundError naming every place searched
 */
async function firstFound(
  binary: 'ffmpeg' | 'ffprobe',
  places: ReadonlyArray<readonly [BinarySource, string | undefined, () => Promise<string | undefined>]>,
): Promise<{ file: string; source: BinarySource }> {
  const searched: string[] = [];
  for (const [source, label, lookup] of places) {
    if (label === undefined) continue;
    searched.push(label);
    const file = await lookup();
    if (file) return { file, source };
  }
  throw new FfmpegNotFoundError(binary, searched);
}

/** What the found ffmpeg build can do, for `doctor` and for engine fallbacks. */
export interface FfmpegCapabilities {
  /** First line of `ffmpeg -version`, e.g. `ffmpeg version 5.1.6-0+deb12u1 ...`. */
  readonly version: string;
  readonly libx264: boolean;
  readonly libflite: boolean;
  readonly libmp3lame: boolean;
  readonly xfade: boolean;
  readonly loudnorm: boolean;
  readonly sidechaincompress: boolean;
  /** The `ass`/`subtitles` filters (burned-in subtitles). */
  readonly libass: boolean;
  /** The `zscale` filter (zimg): the conform's colour conversions to BT.709 (colour.ts). */
  readonly zscale: boolean;
  /** The `tonemap` filter: HDR footage tone-mapped to SDR (colour.ts). */
  readonly tonemap: boolean;
}

/** Names in the first column-ish position of `ffmpeg -filters` / `-encoders` listings. */
function listedNames(listing: string): Set<string> {
  const names = new Set<string>();
  for (const line of listing.split('\n')) {
    const match = /^\s*[A-Z.|]{3,6}\s+(\S+)\s/.exec(line);
    if (match?.[1]) names.add(match[1]);
  }
  return names;
}

/**
 * Pure: capabilities from the text of `ffmpeg -version`, `-filters` and `-encoders`.
 */
export function parseCapabilities(versionText: string, filtersText: string, encodersText: string): FfmpegCapabilities {
  const filters = listedNames(filtersText);
  const encoders = listedNames(encodersText);
  return {
    version: versionText.split('\n')[0]?.trim() ?? '',
    libx264: encoders.has('libx264'),
    libflite: filters.has('flite'),
    libmp3lame: encoders.has('libmp3lame'),
    xfade: filters.has('xfade'),
    loudnorm: filters.has('loudnorm'),
    sidechaincompress: filters.has('sidechaincompress'),
    libass: filters.has('ass') || filters.has('subtitles'),
    zscale: filters.has('zscale'),
    tonemap: filters.has('tonemap'),
  };
}

/**
 * Probes what the ffmpeg build at `binaries.ffmpeg` can do: three short ffmpeg runs
 * (`-version`, `-filters`, `-encoders`), every call. Callers that ask often keep the result
 * themselves (the Local engines keep their speech backend per engines object).
 * @param binaries what locateFfmpeg found (only `ffmpeg` is used)
 * @throws execa's error when the binary does not run.
 */
export async function capabilities(binaries: Pick<FfmpegBinaries, 'ffmpeg'>): Promise<FfmpegCapabilities> {
  const opts = { stdin: 'ignore', reject: true } as const;
  const [version, filters, encoders] = await Promise.all([
    execa(binaries.ffmpeg, ['-hide_banner', '-version'], opts),
    execa(binaries.ffmpeg, ['-hide_banner', '-filters'], opts),
    execa(binaries.ffmpeg, ['-hide_banner', '-encoders'], opts),
  ]);
  return parseCapabilities(version.stdout, filters.stdout, encoders.stdout);
}
