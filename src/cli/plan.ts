/**
 * `mercadream-pipeline plan <manifest>`: the DAG, what is already cached, and the cost in
 * compute units, before anything is spent. Sends no request.
 */
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { ENGINES_VERSION } from '../local/engines/index.js';
import { formatDiagnosticWithSource, hasErrors, loadManifest, sourceLines, type ProductionPlan as PlanName } from '../manifest/index.js';
import { estimatedSpeech, nodeFingerprint, planProduction, requestUnits } from '../plan/index.js';
import { AssetCache } from '../runner/cache.js';
import { readLock } from '../runner/lock.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import type { Terminal } from './terminal.js';

/** One row of the plan. */
export interface PlanRow {
  readonly node: string;
  readonly dependsOn: readonly string[];
  /** `cached` (in the cache or the lock), `to generate`, or `local footage` for stitch inputs. */
  readonly status: 'cached' | 'locked' | 'to generate' | 'stitch';
  readonly computeUnits: number;
  /** True when the figure rests on an estimated narration length (an `auto` scene). */
  readonly estimated: boolean;
  readonly fingerprint?: string;
}

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
  if (!loaded.production || hasErrors(loaded.diagnostics)) return EXIT.usage;
  const production = loaded.production;
  const remote = Boolean(env['MERCADREAM_API_KEY'] || options.apiKeyFile);
  const api = remote ? new URL(env['MERCADREAM_BASE_URL'] ?? 'https://api.mercadream.com/v2').host : `local/${ENGINES_VERSION}/${options.localQuality}`;
  const plan = planProduction(production, api);
  const stateDir = join(production.baseDir, '.mercadream');
  const cache = new AssetCache(join(stateDir, 'cache'));
  const lock = await readLock(join(production.baseDir, `${production.file.split(/[\\/]/).pop()!.replace(/\.(ya?ml|json)$/i, '')}.lock.json`)).catch(() => undefined);
  const known = new Map<string, number>();
  for (const record of await cache.records()) if (record.endpoint === 'speech') known.set(record.fingerprint, record.duration);
  // Speech lengths: the real ones where the speech is cached, estimates otherwise.
  const guess = estimatedSpeech(production);
  const speech = new Map<string, number>();
  let estimated = false;
  for (const node of plan.nodes.filter((n) => n.kind === 'speech')) {
    const fp = nodeFingerprint(plan, node, speech)!;
    const real = known.get(fp) ?? lock?.assets[fp as keyof typeof lock.assets]?.duration;
    if (real !== undefined) speech.set(node.subject!, real);
    else speech.set(node.subject!, guess.get(node.subject!) ?? 1);
  }
  const rows: PlanRow[] = [];
  for (const node of plan.nodes) {
    if (node.kind === 'stitch') {
      rows.push({ node: node.id, dependsOn: node.dependsOn, status: 'stitch', computeUnits: 0, estimated: false });
      continue;
    }
    const request = node.request(speech)!;
    const fp = nodeFingerprint(plan, node, speech)!;
    const usesEstimate = node.dependsOn.some((d) => !known.has(nodeFingerprint(plan, plan.nodes.find((n) => n.id === d)!, speech) ?? ''));
    estimated ||= usesEstimate;
    const status = (await cache.lookup(fp)) ? 'cached' : lock?.assets[fp as keyof typeof lock.assets] ? 'locked' : 'to generate';
    rows.push({ node: node.id, dependsOn: node.dependsOn, status, computeUnits: requestUnits(request), estimated: usesEstimate, fingerprint: fp });
  }
  const toSpend = rows.filter((r) => r.status === 'to generate').reduce((a, r) => a + r.computeUnits, 0);
  const total = rows.reduce((a, r) => a + r.computeUnits, 0);
  if (options.json) {
    terminal.out(JSON.stringify({ manifest, api, plan: production.plan, nodes: rows, computeUnits: { total, toSpend, estimated } }, null, 2));
    return EXIT.ok;
  }
  terminal.out(`${manifest}: ${production.title} — ${production.plan} plan, ${production.output.resolution} ${production.output.fps} fps, via ${api}`);
  for (const r of rows) {
    const deps = r.dependsOn.length && r.node !== 'stitch' ? ` (after ${r.dependsOn.join(', ')})` : '';
    const units = r.node === 'stitch' ? '' : `${r.computeUnits} CU${r.estimated ? '*' : ''}`;
    terminal.out(`  ${r.node.padEnd(28)} ${r.status.padEnd(12)} ${units.padStart(7)}${deps}`);
  }
  terminal.out(`compute units: ${toSpend} to spend, ${total} in all${estimated ? ' (* estimated from the narration length: `auto` scenes depend on the speech)' : ''}`);
  return EXIT.ok;
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
