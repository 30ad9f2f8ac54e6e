/**
 * `mercadream-pipeline doctor`: which ffmpeg is in use, its version, and which capabilities the
 * pipeline needs it has (x264, flite speech, xfade, loudnorm, sidechaincompress, libass), and
 * which writing systems the installed fonts let burned captions draw.
 */
import type { Command } from 'commander';
import { capabilities, FfmpegSettingError, locateFfmpeg, type FfmpegBinaries, type LocateEnv } from '../media/ffmpeg.js';
import { speechBackend } from '../local/engines/index.js';
import { installedFonts, scriptCoverage } from '../media/fonts.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import type { Terminal } from './terminal.js';

/**
 * Prints the report; exit 0 when everything needed is there, 1 otherwise.
 * @param env where ffmpeg is looked for (FFMPEG_PATH, FFPROBE_PATH, PATH): located once here
 *   and the binaries passed to every check
 */
export async function doctorCommand(terminal: Terminal, json: boolean, env: LocateEnv): Promise<ExitCode> {
  let binaries: FfmpegBinaries;
  try {
    binaries = await locateFfmpeg(env);
  } catch (error: unknown) {
    if (error instanceof FfmpegSettingError) {
      terminal.error(`${error.binary}: ${error.message}`);
      return EXIT.failed;
    }
    terminal.error(`ffmpeg: not found (${error instanceof Error ? error.message : String(error)})`);
    terminal.error('install it (Debian/Ubuntu: apt-get install ffmpeg) or set FFMPEG_PATH');
    return EXIT.failed;
  }
  const caps = await capabilities(binaries);
  const speech = await speechBackend(binaries).catch(() => 'none' as const);
  const needed = {
    libx264: caps.libx264,
    xfade: caps.xfade,
    loudnorm: caps.loudnorm,
    sidechaincompress: caps.sidechaincompress,
    libass: caps.libass,
    zscale: caps.zscale,
    tonemap: caps.tonemap,
  };
  const ok = Object.values(needed).every(Boolean) && speech !== 'none';
  const fontList = await installedFonts();
  const scripts = fontList ? scriptCoverage(fontList) : undefined;
  if (json) {
    terminal.out(JSON.stringify({ ok, binaries, capabilities: caps, speech, fonts: scripts ?? null }, null, 2));
    return ok ? EXIT.ok : EXIT.failed;
  }
  terminal.out(`ffmpeg:  ${binaries.ffmpeg} (found via ${binaries.ffmpegSource})`);
  terminal.out(`ffprobe: ${binaries.ffprobe}`);
  terminal.out(`version: ${caps.version}`);
  for (const [name, present] of Object.entries({ ...needed, libflite: caps.libflite, libmp3lame: caps.libmp3lame })) terminal.out(`  ${present ? 'yes' : 'NO '}  ${name}`);
  terminal.out(`speech engine of MercaDream Local: ${speech}`);
  printScripts(terminal, scripts);
  terminal.out(ok ? 'everything the pipeline needs is there' : 'something the pipeline needs is missing (see NO above)');
  return ok ? EXIT.ok : EXIT.failed;
}

/** Which writing systems burned captions can draw, and with which fonts (fontconfig). */
function printScripts(terminal: Terminal, scripts: ReturnType<typeof scriptCoverage> | undefined): void {
  if (!scripts) {
    terminal.out('fonts for burned captions: fontconfig (fc-list) not found, so they cannot be checked');
    return;
  }
  terminal.out('fonts for burned captions (scripts the installed fonts draw):');
  for (const { script, families, colour } of scripts) {
    const colourNote = colour.length > 0 ? ` (colour only, not drawn by libass: ${colour.join(', ')})` : '';
    terminal.out(`  ${families.length > 0 ? 'yes' : 'NO '}  ${script.padEnd(16)} ${families.slice(0, 3).join(', ')}${families.length > 3 ? ', …' : ''}${colourNote}`);
  }
}

/** Registers `doctor`; `env` is where it looks for ffmpeg (the CLI passes process.env). */
export function registerDoctor(program: Command, terminal: Terminal, env: LocateEnv, setExit: (code: ExitCode) => void): void {
  program
    .command('doctor')
    .description('check the ffmpeg in use and the capabilities the pipeline needs')
    .option('--json', 'print the report as JSON')
    .action(async (options: { json?: boolean }) => setExit(await doctorCommand(terminal, options.json === true, env)));
}
