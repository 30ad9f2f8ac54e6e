/**
 * One run at a time per project folder: `.mercadream/run.pid` is created exclusively when a
 * run starts and removed when it ends. A second run of the same project is refused at once
 * (two runs would race on the same jobs and files); a file left by a run that died is taken over.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Another live run holds the project. */
export class RunInProgressError extends Error {
  readonly type = 'run_in_progress';
}

/** Takes the project at `stateDir`; resolves to the release function. Throws RunInProgressError. */
export async function acquireRunLock(stateDir: string): Promise<() => Promise<void>> {
  await mkdir(stateDir, { recursive: true });
  const file = join(stateDir, 'run.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, `${process.pid}\n`, { flag: 'wx' });
      return async () => {
        await rm(file, { force: true });
      };
    } catch (error: unknown) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new RunInProgressError(`another run (process ${pid}) is working on this project (${stateDir}); wait for it, or stop it`);
      }
      await rm(file, { force: true }); // left by a run that died
    }
  }
  throw new RunInProgressError(`could not take ${file}: another run keeps taking it`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error: unknown) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
