/** Process exit codes of the CLI (README "Exit codes"). */
export const EXIT = {
  /** Everything asked for succeeded. */
  ok: 0,
  /** A production failed (generation, stitching). */
  failed: 1,
  /** An invalid manifest or a usage error. */
  usage: 2,
  /** The API refused the key or the plan (401/403). */
  auth: 3,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
