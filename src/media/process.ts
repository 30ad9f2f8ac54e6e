/**
 * Runs ffmpeg as a child process (argument arrays through execa, never a shell), reports
 * progress from `-progress pipe:1`, honours an AbortSignal and turns failures into
 * `FfmpegError`s that carry the argv and the tail of stderr.
 */
import { execa } from 'execa';

/** Why a run failed: a non-zero exit, killed by a signal, cancelled by the caller, or could not start. */
export type FfmpegFailure = 'exit' | 'signal' | 'aborted' | 'spawn';

/** How many trailing stderr lines an FfmpegError keeps. */
export const STDERR_TAIL_LINES = 20;

/** A failed or aborted ffmpeg run. `argv` is the full argument array (without the binary). */
export class FfmpegError extends Error {
  override readonly name = 'FfmpegError';
  constructor(
    readonly reason: FfmpegFailure,
    readonly binary: string,
    readonly argv: readonly string[],
    /** The last STDERR_TAIL_LINES non-empty lines of stderr. */
    readonly stderrTail: readonly string[],
    readonly exitCode: number | undefined,
    options?: { cause?: unknown },
  ) {
    const last = stderrTail.at(-1) ?? '';
    super(reason === 'aborted' ? 'ffmpeg was aborted' : `ffmpeg failed (${reason}${exitCode === undefined ? '' : ` ${exitCode}`}): ${last}`, options);
  }
}

/** Options of runFfmpeg. */
export interface RunFfmpegOptions {
  /** Aborting sends SIGTERM, then SIGKILL after `killGraceMs`. */
  readonly signal?: AbortSignal | undefined;
  /** Called with 0–100 (never decreasing) as ffmpeg reports output time; needs expectedDuration. */
  readonly onProgress?: ((percent: number) => void) | undefined;
  /** Seconds of output expected, to turn `out_time` into a percentage. */
  readonly expectedDuration?: number | undefined;
  /** Milliseconds between SIGTERM and SIGKILL on abort (default 2000). */
  readonly killGraceMs?: number | undefined;
  /** The ffmpeg to run: `FfmpegBinaries.ffmpeg` from locateFfmpeg (required: nothing is looked up here). */
  readonly ffmpegPath: string;
  /** Working folder of the process (relative paths in `args` resolve against it). */
  readonly cwd?: string | undefined;
}

/** The flags runFfmpeg adds in front of the caller's arguments. */
export const RUN_PREFIX: readonly string[] = ['-nostdin', '-hide_banner', '-loglevel', 'warning', '-progress', 'pipe:1', '-nostats'];

/**
 * Pure: the output time in seconds from one `-progress` line (`out_time_us=…` or the
 * historically misnamed `out_time_ms=…`, which is also microseconds), or undefined.
 */
export function progressSeconds(line: string): number | undefined {
  const match = /^out_time_(?:us|ms)=(\d+)\s*$/.exec(line);
  return match?.[1] ? Number(match[1]) / 1e6 : undefined;
}

/** Pure: percent of `expected` seconds reached at `seconds`, clamped to 0–100. */
export function progressPercent(seconds: number, expected: number): number {
  if (!(expected > 0)) return 0;
  return Math.max(0, Math.min(100, (seconds / expected) * 100));
}

/** Keeps the last `max` non-empty lines of a stream of text chunks. */
class LineTail {
  private readonly lines: string[] = [];
  private partial = '';
  constructor(private readonly max: number) {}
  push(chunk: string): void {
    const parts = (this.partial + chunk).split(/\r?\n|\r/);
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.add(line);
  }
  private add(line: string): void {
    if (line.trim() === '') return;
    this.lines.push(line);
    if (this.lines.length > this.max) this.lines.shift();
  }
  done(): string[] {
    if (this.partial !== '') this.add(this.partial);
    this.partial = '';
    return [...this.lines];
  }
}

/**
 * Runs `options.ffmpegPath` with `RUN_PREFIX` + `args` and resolves when it exits with 0.
 * Reports progress with `onProgress` and resolves only after a final 100.
 * @param args ffmpeg arguments after RUN_PREFIX (an argument array: no shell)
 * @throws FfmpegError with reason `exit`/`signal` on failure, `spawn` when the binary cannot
 *   be started, `aborted` when `signal` fired (the process is terminated first).
 */
export async function runFfmpeg(args: readonly string[], options: RunFfmpegOptions): Promise<void> {
  const binary = options.ffmpegPath;
  const argv = [...RUN_PREFIX, ...args];
  if (options.signal?.aborted) throw new FfmpegError('aborted', binary, argv, [], undefined, { cause: options.signal.reason });

  const subprocess = execa(binary, argv, {
    ...(options.signal ? { cancelSignal: options.signal } : {}),
    forceKillAfterDelay: options.killGraceMs ?? 2000,
    killSignal: 'SIGTERM',
    reject: false,
    buffer: false,
    stdin: 'ignore',
    ...(options.cwd ? { cwd: options.cwd } : {}),
    stdout: 'pipe',
    stderr: 'pipe',
    encoding: 'utf8',
  });

  const stderrTail = new LineTail(STDERR_TAIL_LINES);
  subprocess.stderr?.setEncoding('utf8');
  subprocess.stderr?.on('data', (chunk: string) => stderrTail.push(chunk));

  let best = -1;
  const report = (percent: number): void => {
    if (percent > best) {
      best = percent;
      options.onProgress?.(percent);
    }
  };
  let pending = '';
  subprocess.stdout?.setEncoding('utf8');
  subprocess.stdout?.on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const seconds = progressSeconds(line.trim());
      if (seconds !== undefined && options.expectedDuration) report(progressPercent(seconds, options.expectedDuration));
    }
  });

  const result = await subprocess;
  const tail = stderrTail.done();
  if (result.isCanceled || options.signal?.aborted) {
    throw new FfmpegError('aborted', binary, argv, tail, result.exitCode, { cause: options.signal?.reason });
  }
  if (result.failed) {
    const reason: FfmpegFailure = result.signal ? 'signal' : result.exitCode === undefined ? 'spawn' : 'exit';
    const lines = tail.length > 0 ? tail : [String(result.shortMessage ?? 'ffmpeg failed')];
    throw new FfmpegError(reason, binary, argv, lines, result.exitCode, { cause: result });
  }
  if (options.onProgress) report(100);
}

/**
 * Runs ffmpeg for what it prints (a detector's or a filter's report on standard error) and returns
 * that text; `argv` is passed as it is. Throws FfmpegError with the last 20 lines when ffmpeg
 * fails, or with reason `aborted` when `signal` fires (SIGTERM, SIGKILL 2 s later).
 */
export async function ffmpegStderr(binary: string, argv: readonly string[], signal?: AbortSignal): Promise<string> {
  if (signal?.aborted) throw new FfmpegError('aborted', binary, [...argv], [], undefined, { cause: signal.reason });
  const result = await execa(binary, argv, { reject: false, stdin: 'ignore', forceKillAfterDelay: 2000, ...(signal ? { cancelSignal: signal } : {}) });
  const stderr = String(result.stderr ?? '');
  const tail = stderr
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-20);
  if (result.isCanceled || signal?.aborted) throw new FfmpegError('aborted', binary, [...argv], tail, result.exitCode, { cause: signal?.reason });
  if (result.failed) throw new FfmpegError(result.signal ? 'signal' : 'exit', binary, [...argv], tail, result.exitCode, { cause: result });
  return stderr;
}
