/**
 * Who works on a project folder, so that runs on every machine that shares it (a network share,
 * as a fleet's workers use) keep off each other:
 * - `.mercadream/run.pid`: a local `run` holds the folder alone. It is created exclusively when
 *   the run starts and removed when it ends; a second run of the same project is refused at once
 *   (two runs would race on the same jobs and files).
 * - `.mercadream/fleet/<host>.<pid>.<tag>.hold`: a fleet worker making one production of the
 *   folder. Several workers share a folder (their Redis mutexes keep them off one production);
 *   a local run is refused while any of them is live, and a worker's production is refused while
 *   a local run is live. So a run sweeps its litter (src/runner/batch.ts) only when no one else
 *   can be writing there.
 * Each file holds `{ "pid": …, "host": … }` (a bare pid, as earlier versions wrote, is a process
 * of this host). A holder on this host is live while its process exists; on another host, while
 * the file's modification time is less than {@link HOLD_STALE_MS} old, since every holder touches
 * its file every {@link HEARTBEAT_MS}. A file whose holder is gone is taken over.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** Another live run (or fleet worker) holds the project. */
export class RunInProgressError extends Error {
  readonly type = 'run_in_progress';
}

/** How often a holder touches its file, ms. */
export const HEARTBEAT_MS = 20_000;
/**
 * A holder on another host whose file was last touched longer ago than this (ms) is gone: six
 * missed heartbeats, room for the clocks of a network share's machines to differ by a minute.
 */
export const HOLD_STALE_MS = 120_000;

/** A process that holds a project: its id and the host it runs on. */
interface Holder {
  readonly pid: number;
  readonly host: string;
}

const ME: Holder = { pid: process.pid, host: hostname() };

/** Takes the project at `stateDir` alone (a local run); resolves to the release function. Throws RunInProgressError. */
export async function acquireRunLock(stateDir: string): Promise<() => Promise<void>> {
  await mkdir(stateDir, { recursive: true });
  const file = join(stateDir, 'run.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, holderText(), { flag: 'wx' });
    } catch (error: unknown) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = await liveHolder(file);
      if (holder && !isMe(holder)) throw new RunInProgressError(`another run (${describeHolder(holder)}) is working on this project (${stateDir}); wait for it, or stop it`);
      await rm(file, { force: true }); // left by a run that died
      continue;
    }
    const worker = (await liveWorkers(stateDir))[0];
    if (worker) {
      await rm(file, { force: true });
      throw new RunInProgressError(`a fleet worker (${describeHolder(worker)}) is making a production of this project (${stateDir}); wait for the fleet's batch to end`);
    }
    return heldUntilReleased(file);
  }
  throw new RunInProgressError(`could not take ${file}: another run keeps taking it`);
}

/**
 * Joins the project at `stateDir` as one of its fleet workers (several may work there at once);
 * resolves to the function that leaves it. Throws RunInProgressError while a local run holds it.
 */
export async function joinProject(stateDir: string): Promise<() => Promise<void>> {
  const dir = join(stateDir, 'fleet');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${ME.host.replace(/[^A-Za-z0-9_-]/g, '_')}.${ME.pid}.${randomBytes(4).toString('hex')}.hold`);
  await writeFile(file, holderText(), { flag: 'wx' });
  const run = await liveHolder(join(stateDir, 'run.pid'));
  if (run && !isMe(run)) {
    await rm(file, { force: true });
    throw new RunInProgressError(`another run (${describeHolder(run)}) is working on this project (${stateDir}); wait for it, or stop it`);
  }
  return heldUntilReleased(file);
}

/** Touches `file` every HEARTBEAT_MS until the returned function removes it. */
function heldUntilReleased(file: string): () => Promise<void> {
  const beat = setInterval(() => {
    const now = new Date();
    utimes(file, now, now).catch(() => undefined); // a missed beat only makes the hold look older
  }, HEARTBEAT_MS);
  beat.unref();
  return async () => {
    clearInterval(beat);
    await rm(file, { force: true });
  };
}

/** The live fleet workers of `stateDir` (their hold files; those of workers that are gone are removed). */
async function liveWorkers(stateDir: string): Promise<Holder[]> {
  const dir = join(stateDir, 'fleet');
  const names = await readdir(dir).catch(() => [] as string[]);
  const live: Holder[] = [];
  for (const name of names.filter((n) => n.endsWith('.hold'))) {
    const holder = await liveHolder(join(dir, name));
    if (holder) live.push(holder);
    else await rm(join(dir, name), { force: true });
  }
  return live;
}

/** The holder that `file` names, when it is live (see the module docstring); undefined when it is gone or the file is. */
async function liveHolder(file: string): Promise<Holder | undefined> {
  let text: string;
  let touched: number;
  try {
    [text, touched] = await Promise.all([readFile(file, 'utf8'), stat(file).then((s) => s.mtimeMs)]);
  } catch {
    return undefined;
  }
  const holder = parseHolder(text);
  if (!holder) return undefined;
  if (holder.host !== ME.host) return Date.now() - touched < HOLD_STALE_MS ? holder : undefined;
  return alive(holder.pid) ? holder : undefined;
}

/** `{ "pid", "host" }`, or a bare pid (earlier versions: a process of this host). */
function parseHolder(text: string): Holder | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return { pid: Number(trimmed), host: ME.host };
  try {
    const parsed = JSON.parse(trimmed) as Partial<Holder>;
    if (Number.isInteger(parsed.pid) && parsed.pid! > 0 && typeof parsed.host === 'string') return { pid: parsed.pid!, host: parsed.host };
  } catch {
    // not a holder file: gone
  }
  return undefined;
}

function holderText(): string {
  return `${JSON.stringify(ME)}\n`;
}

function isMe(holder: Holder): boolean {
  return holder.pid === ME.pid && holder.host === ME.host;
}

/** `process 123` on this host, `process 123 on render-02` on another. */
function describeHolder(holder: Holder): string {
  return holder.host === ME.host ? `process ${holder.pid}` : `process ${holder.pid} on ${holder.host}`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error: unknown) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
