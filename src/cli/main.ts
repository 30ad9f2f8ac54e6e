/**
 * The composition root: parses argv with commander and wires each command to its room.
 * Only this folder writes to the terminal.
 */
import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { EXIT } from './exit-codes.js';
import { registerServe } from './serve.js';

const require = createRequire(import.meta.url);
const { version } = require('../../package.json') as { version: string };

/** Builds the command tree. Each command module registers itself here. */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('mercadream-pipeline')
    .description('Turn storyboard manifests (film.yaml) into finished films with the MercaDream v2 API.')
    .version(version, '-V, --version')
    .exitOverride()
    .showHelpAfterError();
  registerServe(program);
  return program;
}

/**
 * Runs the CLI with `argv` (as `process.argv`) and resolves to the process exit code
 * (see exit-codes.ts). Never throws for a user error.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error: unknown) {
    if (error instanceof CommanderError) {
      // --help and --version end through exitOverride with code 0.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    throw error;
  }
}
