/**
 * The composition root: parses argv with commander and wires each command to its room.
 * Only this folder writes to the terminal.
 */
import { Command, CommanderError } from 'commander';
import { failureOf } from '../runner/failure.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { describeFailure } from './failure-text.js';
import { registerDoctor } from './doctor.js';
import { registerInit } from './init.js';
import { registerPlan } from './plan.js';
import { interruptSignal, registerRun } from './run.js';
import { registerServe } from './serve.js';
import { processTerminal, type Terminal } from './terminal.js';
import { registerValidate } from './validate.js';
import { registerWorker } from './worker.js';
import { VERSION as version } from '../version.js';

/** Builds the command tree; every command reports its exit code through `setExit`. */
export function buildProgram(terminal: Terminal, setExit: (code: ExitCode) => void): Command {
  const program = new Command();
  program
    .name('mercadream-pipeline')
    .description('Turn storyboard manifests (film.yaml) into finished films with the MercaDream v2 API.')
    .version(version, '-V, --version')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ writeOut: (s) => terminal.out(s.trimEnd()), writeErr: (s) => terminal.error(s.trimEnd()) })
    .addHelpText(
      'after',
      '\nExamples:\n  $ mercadream-pipeline init my-film\n  $ mercadream-pipeline run examples/neon-tokyo.yaml\n  $ mercadream-pipeline plan examples/neon-tokyo.yaml\n  $ mercadream-pipeline validate examples/neon-tokyo.yaml\n  $ mercadream-pipeline validate examples/*.yaml --json\n  $ mercadream-pipeline serve --port 8787\n\nExit codes: 0 ok · 1 a production failed · 2 invalid manifest or usage · 3 authentication or plan refused · 130 interrupted',
    );
  registerRun(program, { terminal, env: process.env, isTTY: process.stderr.isTTY === true, interrupt: interruptSignal }, setExit);
  registerValidate(program, terminal, setExit);
  registerPlan(program, terminal, process.env, setExit);
  registerDoctor(program, terminal, process.env, setExit);
  registerInit(program, terminal, setExit);
  registerServe(program, { print: terminal.out, printError: terminal.error, setExit });
  registerWorker(program, terminal, process.env, setExit);
  return program;
}

/**
 * Runs the CLI with `argv` (as `process.argv`) and resolves to the process exit code
 * (see exit-codes.ts). Never throws for a user error.
 */
export async function main(argv: readonly string[], terminal: Terminal = processTerminal): Promise<number> {
  let code: ExitCode = EXIT.ok;
  const program = buildProgram(terminal, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv]);
    return code;
  } catch (error: unknown) {
    if (error instanceof CommanderError) {
      // --help and --version end through exitOverride with code 0.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    // A bug in a command: one line, never a stack trace (run's --verbose shows stacks).
    terminal.error(`error: ${describeFailure(failureOf(error))}`);
    return EXIT.failed;
  }
}
