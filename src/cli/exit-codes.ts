/** Process exit codes of the CLI (README "Exit codes"). */
export const EXIT = {
  /** Everything asked for succeeded. */
  ok: 0,
  /** A production failed (a job, the stitch, a media tool, an unwritable place, `--frozen`, the budget). */
  failed: 1,
  /** An invalid manifest or a usage error. */
  usage: 2,
  /** The API refused the key or the plan (401/403). */
  auth: 3,
  /** Interrupted (Ctrl-C, SIGTERM): 128 + SIGINT's number, as shells report it. A rerun resumes. */
  interrupted: 130,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
