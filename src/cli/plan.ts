/**
 * `mercadream-pipeline plan <manifest>`: the DAG, what is already cached, and the cost in
 * compute units, before anything is spent. Sends no request.
 */
import { Option, type Command } from 'commander';
import { apiIdentity } from './connect.js';
import { formatDiagnosticWithSource, hasErrors, loadManifest, sourceLines, type PaidPlan as PlanName, type Production, type Rendition } from '../manifest/index.js';
import { relative } from 'node:path';
import { planProduction } from '../plan/index.js';
import { estimatePlan } from '../runner/estimate.js';
import { Projects } from '../runner/paths.js';
import { readLock } from '../runner/lock.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { productionName } from '../manifest/matrix.js';
import type { Terminal } from './terminal.js';

/** Prints the plan; resolves to the exit code. */
export async function planCommand(
  manifest: string,
  options: { plan?: PlanName; json?: boolean; localQuality: 'full' | 'fast'; apiKeyFile?: string },
  terminal: Terminal,
  env: Readonly<Record<string, string | undefined>>,
): Promise<ExitCode> {
  const loaded = await loadManifest(manifest, options.plan ? { plan: options.plan } : {});
  const lines = loaded.text === undefined ? undefined : sourceLines(loaded.text);
  for (const d of loaded.diagnostics) terminal.error(formatDiagnosticWithSource(d, lines));
  if (loaded.productions.length === 0 || hasErrors(loaded.diagnostics)) return EXIT.usage;
  let api: string;
  try {
    api = apiIdentity({ env, ...(options.apiKeyFile ? { apiKeyFile: options.apiKeyFile } : {}), localQuality: options.localQuality });
  } catch (error: unknown) {
    terminal.error(`error: ${error instanceof Error ? error.message : String(error)} (check MERCADREAM_BASE_URL)`);
    return EXIT.usage;
  }
  const projects = new Projects();
  const plans = [];
  for (const production of loaded.productions) {
    const plan = planProduction(production, api);
    const project = projects.of(production);
    const lock = await readLock(project.lockPath).catch(() => undefined);
    const estimate = await estimatePlan(plan, project.cache, lock);
    const name = productionName(manifest, production.matrix);
    plans.push({ name, production, estimate });
  }
  const toSpend = plans.reduce((a, p) => a + p.estimate.toSpend, 0);
  const total = plans.reduce((a, p) => a + p.estimate.total, 0);
  const estimated = plans.some((p) => p.estimate.estimated);
  if (options.json) {
    terminal.out(
      JSON.stringify(
        {
          api,
          productions: plans.map((p) => ({
            name: p.name,
            plan: p.production.plan,
            renditions: p.production.renditions.map((r) => renditionRow(p.production, r)),
            nodes: p.estimate.rows,
            computeUnits: { total: p.estimate.total, toSpend: p.estimate.toSpend, estimated: p.estimate.estimated },
          })),
          computeUnits: { total, toSpend, estimated },
        },
        null,
        2,
      ),
    );
    return EXIT.ok;
  }
  for (const { name, production, estimate } of plans) for (const line of planLines(name, production, estimate, api)) terminal.out(line);
  terminal.out(`compute units: ${toSpend} to spend, ${total} in all${estimated ? ' (* estimated from the narration length: `auto` scenes depend on the speech)' : ''}`);
  return EXIT.ok;
}

/** The text of one production's plan: its settings, its renditions, and every node with its status and cost. */
function planLines(name: string, production: Production, estimate: Awaited<ReturnType<typeof estimatePlan>>, api: string): string[] {
  const lines = [`${name}: ${production.title} — ${production.plan} plan, ${production.output.resolution} ${production.output.fps} fps, via ${api}`];
  for (const r of production.renditions.map((one) => renditionRow(production, one))) {
    lines.push(`  rendition ${r.name.padEnd(18)} ${`${r.width}x${r.height}`.padEnd(10)} ${r.reframe.padEnd(5)} ${r.subtitles.padEnd(8)} ${r.path}`);
  }
  for (const r of estimate.rows) {
    const deps = r.dependsOn.length && r.node !== 'stitch' ? ` (after ${r.dependsOn.join(', ')})` : '';
    const units = r.node === 'stitch' ? '' : `${r.computeUnits} CU${r.estimated ? '*' : ''}`;
    lines.push(`  ${r.node.padEnd(28)} ${r.status.padEnd(12)} ${units.padStart(7)}${deps}`);
  }
  return lines;
}

/** What `plan` shows of a rendition: its name, file (relative to the manifest's folder), frame, default reframe and subtitles. */
function renditionRow(production: Production, r: Rendition): { name: string; path: string; width: number; height: number; reframe: string; subtitles: string } {
  const path = relative(production.baseDir, r.path).split('\\').join('/');
  return { name: r.name, path, width: r.width, height: r.height, reframe: r.reframe, subtitles: r.subtitles };
}

/** Registers `plan`. */
export function registerPlan(program: Command, terminal: Terminal, env: Readonly<Record<string, string | undefined>>, setExit: (code: ExitCode) => void): void {
  program
    .command('plan')
    .description('show the nodes a run would execute, what is cached, and the cost in compute units (spends nothing)')
    .argument('<manifest>', 'the film manifest')
    .addOption(new Option('--plan <plan>', 'plan whose limits apply (overrides the manifest)').choices(['regular', 'advanced', 'professional']))
    .option('--json', 'print the plan as JSON')
    .option('--api-key-file <file>', 'plan for the real API, as `run --api-key-file` would')
    .addOption(new Option('--local-quality <quality>', 'MercaDream Local engine quality').choices(['full', 'fast']).default('full'))
    .action(async (manifest: string, options: { plan?: PlanName; json?: boolean; localQuality: 'full' | 'fast'; apiKeyFile?: string }) => {
      setExit(await planCommand(manifest, options, terminal, env));
    });
}
