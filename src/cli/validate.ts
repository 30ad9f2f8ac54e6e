/**
 * `mercadream-pipeline validate <files…>`: checks manifests and prints every problem like a
 * compiler (`film.yaml:12:7 error: …`), or as JSON with `--json`.
 */
import type { Command } from 'commander';
import { formatDiagnosticWithSource, hasErrors, loadManifest, sortDiagnostics, sourceLines, type Diagnostic, type Production } from '../manifest/index.js';
import { installedFonts, type InstalledFont } from '../media/fonts.js';
import { captionFontDiagnostics } from '../runner/caption-fonts.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import type { Terminal } from './terminal.js';

/** Diagnostics printed per file as text; --json prints all. */
const MAX_PRINTED = 50;

/** One manifest's verdict, as printed by `--json`. */
export interface ValidationReport {
  readonly file: string;
  readonly valid: boolean;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * The font check of burned captions over `productions` (fontconfig is asked once, and only when
 * a film burns its captions); `fonts` carries fontconfig's answer between files.
 */
async function fontDiagnostics(productions: readonly Production[], fonts: { list?: InstalledFont[] | undefined; asked?: boolean }): Promise<Diagnostic[]> {
  if (!productions.some((p) => p.renditions.some((r) => r.subtitles === 'burn'))) return [];
  if (!fonts.asked) {
    fonts.list = await installedFonts();
    fonts.asked = true;
  }
  return productions.flatMap((p) => captionFontDiagnostics(p, fonts.list));
}

/** Validates `files`; resolves to the exit code (0 all valid, 2 any invalid). */
export async function validateCommand(files: readonly string[], options: { json?: boolean }, terminal: Terminal): Promise<ExitCode> {
  const reports: ValidationReport[] = [];
  const fonts: { list?: InstalledFont[] | undefined; asked?: boolean } = {};
  for (const file of files) {
    const result = await loadManifest(file);
    const diagnostics = sortDiagnostics([...result.diagnostics, ...(await fontDiagnostics(result.valid, fonts))]);
    const report = { file, valid: !hasErrors(diagnostics), diagnostics };
    reports.push(report);
    if (!options.json) {
      const lines = result.text === undefined ? undefined : sourceLines(result.text);
      for (const d of diagnostics.slice(0, MAX_PRINTED)) terminal.error(formatDiagnosticWithSource(d, lines));
      const more = diagnostics.length - MAX_PRINTED;
      if (more > 0) terminal.error(`${file}: … and ${more} more (all of them with --json)`);
    }
  }
  const invalid = reports.filter((r) => !r.valid).length;
  if (options.json) {
    terminal.out(JSON.stringify({ valid: invalid === 0, files: reports }, null, 2));
  } else {
    const errors = reports.reduce((n, r) => n + r.diagnostics.filter((d) => d.severity === 'error').length, 0);
    const warnings = reports.reduce((n, r) => n + r.diagnostics.filter((d) => d.severity === 'warning').length, 0);
    const counts = `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`;
    terminal.error(
      invalid === 0
        ? `${reports.length} manifest${reports.length === 1 ? '' : 's'} valid (${counts})`
        : `${invalid} of ${reports.length} manifest${reports.length === 1 ? '' : 's'} invalid (${counts})`,
    );
  }
  return invalid === 0 ? EXIT.ok : EXIT.usage;
}

/** Adds the `validate` command to `program`; `setExit` receives its exit code. */
export function registerValidate(program: Command, terminal: Terminal, setExit: (code: ExitCode) => void): void {
  program
    .command('validate')
    .description('check manifests and print every problem with its file:line:column')
    .argument('<files...>', 'manifest files (film.yaml …)')
    .option('--json', 'print the diagnostics as JSON on standard output')
    .addHelpText(
      'after',
      "\nExamples:\n  $ mercadream-pipeline validate examples/*.yaml\n  $ mercadream-pipeline validate film.yaml --json | jq '.files[0].diagnostics'\n\nDiagnostics go to standard error; --json output to standard output.\nExit codes: 0 every manifest is valid, 2 at least one is not.",
    )
    .action(async (files: string[], options: { json?: boolean }) => {
      setExit(await validateCommand(files, options, terminal));
    });
}
