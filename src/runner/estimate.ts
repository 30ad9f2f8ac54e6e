/**
 * What a production would cost before anything is spent: per node, whether its asset is
 * cached (or named by the lock file), and its compute units. `auto` scenes depend on their
 * speech, so where the speech is not cached yet its length is estimated from the word count.
 */
import { estimatedSpeech, nodeFingerprint, requestUnits, type ProductionDag } from '../plan/index.js';
import type { AssetCache } from './cache.js';
import type { LockFile } from './lock.js';

/** One node of the estimate. */
export interface EstimateRow {
  readonly node: string;
  readonly dependsOn: readonly string[];
  readonly status: 'cached' | 'locked' | 'to generate' | 'stitch';
  readonly computeUnits: number;
  /** True when the figure rests on an estimated narration length. */
  readonly estimated: boolean;
  readonly fingerprint?: string;
}

/** The whole estimate. */
export interface Estimate {
  readonly rows: readonly EstimateRow[];
  /** Compute units of the nodes still to generate. */
  readonly toSpend: number;
  /** Compute units of every node. */
  readonly total: number;
  readonly estimated: boolean;
}

/** Estimates `plan` against what `cache` and `lock` already hold. Reads the cache; sends nothing. */
export async function estimatePlan(plan: ProductionDag, cache: AssetCache, lock: LockFile | undefined): Promise<Estimate> {
  const known = new Map<string, number>();
  for (const record of await cache.records()) if (record.endpoint === 'speech') known.set(record.fingerprint, record.duration);
  const locked = lock && lock.api === plan.api ? lock.assets : {};
  const guess = estimatedSpeech(plan.production);
  const speech = new Map<string, number>();
  const realSpeech = new Set<string>();
  for (const node of plan.nodes.filter((n) => n.kind === 'speech')) {
    const fp = nodeFingerprint(plan, node, speech)!;
    const real = known.get(fp) ?? locked[fp]?.duration;
    if (real !== undefined) realSpeech.add(node.id);
    speech.set(node.subject!, real ?? guess.get(node.subject!) ?? 1);
  }
  const rows: EstimateRow[] = [];
  for (const node of plan.nodes) {
    if (node.kind === 'stitch') {
      rows.push({ node: node.id, dependsOn: node.dependsOn, status: 'stitch', computeUnits: 0, estimated: false });
      continue;
    }
    const request = node.request(speech)!;
    const fp = nodeFingerprint(plan, node, speech)!;
    const estimated = node.dependsOn.some((d) => !realSpeech.has(d));
    const status = (await cache.lookup(fp)) ? 'cached' : locked[fp] ? 'locked' : 'to generate';
    rows.push({ node: node.id, dependsOn: node.dependsOn, status, computeUnits: requestUnits(request), estimated, fingerprint: fp });
  }
  return {
    rows,
    toSpend: rows.filter((r) => r.status === 'to generate').reduce((a, r) => a + r.computeUnits, 0),
    total: rows.reduce((a, r) => a + r.computeUnits, 0),
    estimated: rows.some((r) => r.estimated),
  };
}
