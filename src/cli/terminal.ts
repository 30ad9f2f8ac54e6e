/** Where commands write: standard output for results, standard error for diagnostics and progress. */
export interface Terminal {
  /** A line of results (JSON, tables) on standard output. */
  out: (line: string) => void;
  /** A line of diagnostics or messages on standard error. */
  error: (line: string) => void;
}

/** The process's own streams. */
export const processTerminal: Terminal = {
  out: (line) => process.stdout.write(`${line}\n`),
  error: (line) => process.stderr.write(`${line}\n`),
};
