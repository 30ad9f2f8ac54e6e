/**
 * API keys of MercaDream Local: the keys file, generated keys, and constant-time lookup.
 *
 * Keys file (YAML):
 * ```yaml
 * keys:
 *   - key: mk_test_4f9c2a7d0b1e8c3f
 *     plan: advanced          # regular | advanced | professional | free
 *     webhook_secret: whsec_… # optional; derived from the server secret when absent
 * ```
 * `webhook_secret` may also be a list, the current secret first: while a secret is rotated,
 * every delivery carries one Standard Webhooks signature per secret listed (standardwebhooks.com),
 * so receivers still holding the old secret keep verifying until they switch.
 * Nothing here ever puts a key or a secret into an error message.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { PLANS, type PlanName } from '../vocabulary/catalog.js';

/** A key as configured: what a keys file entry holds. */
export interface KeySpec {
  /** `mk_live_…` or `mk_test_…`. */
  readonly key: string;
  readonly plan: PlanName;
  /** `whsec_<base64>` (Standard Webhooks), or the secrets of a rotation, current first. */
  readonly webhook_secret?: string | readonly string[];
}

/** A key as the server uses it. */
export interface KeyRecord {
  readonly key: string;
  readonly plan: PlanName;
  /** The current webhook secret (`whsec_…`): the one the payload's legacy `signature` field uses. */
  readonly webhookSecret: string;
  /** Every secret deliveries are signed with, current first (more than one during a rotation). */
  readonly webhookSecrets: readonly string[];
  /** False for `mk_test_…` keys. */
  readonly livemode: boolean;
  /** SHA-256 hex of the key: how jobs and assets on disk name their owner (never the key itself). */
  readonly owner: string;
  /** A redacted name safe for counters and messages (see {@link keyLabel}). */
  readonly label: string;
}

/** A keys file that cannot be used; `message` names the entry, never its value. */
export class KeysFileError extends Error {
  readonly type = 'invalid_keys_file';
  constructor(message: string) {
    super(message);
    this.name = 'KeysFileError';
  }
}

const KEY_SHAPE = /^mk_(live|test)_[A-Za-z0-9]{4,128}$/;

/** SHA-256 hex of a key. */
export function keyOwner(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/**
 * A redacted, unique-enough name for a key: `mk_test_…1a2b.3fa2c1` (its last 4 characters, then
 * the first 6 hex digits of its SHA-256, so two keys ending alike still differ).
 */
export function keyLabel(key: string): string {
  const prefix = key.startsWith('mk_live_') ? 'mk_live_' : 'mk_test_';
  return `${prefix}…${key.slice(-4)}.${keyOwner(key).slice(0, 6)}`;
}

/**
 * Checks and normalizes key specs. `serverSecret` derives a stable webhook secret for a key
 * that has none. Throws {@link KeysFileError} on a malformed key, unknown plan or duplicate.
 */
export function toKeyRecords(specs: readonly KeySpec[], serverSecret: Buffer): KeyRecord[] {
  const seen = new Set<string>();
  return specs.map((spec, index) => {
    if (typeof spec.key !== 'string' || !KEY_SHAPE.test(spec.key)) {
      throw new KeysFileError(`keys[${index}].key is not of the form mk_live_<letters and digits> or mk_test_<letters and digits>`);
    }
    if (!PLANS.includes(spec.plan)) {
      throw new KeysFileError(`keys[${index}].plan must be one of ${PLANS.join(', ')}`);
    }
    const owner = keyOwner(spec.key);
    if (seen.has(owner)) throw new KeysFileError(`keys[${index}].key appears twice`);
    seen.add(owner);
    const webhookSecrets = webhookSecretsOf(spec, index, serverSecret);
    return {
      key: spec.key,
      plan: spec.plan,
      webhookSecret: webhookSecrets[0]!,
      webhookSecrets,
      livemode: spec.key.startsWith('mk_live_'),
      owner,
      label: keyLabel(spec.key),
    };
  });
}

/**
 * The webhook secrets of a key spec, current first: as configured (a string or a non-empty list
 * of strings of at least 8 characters each), or one derived from the server secret. A derived
 * secret is `whsec_` and 32 hex digits, which is also valid base64 (24 key bytes, the Standard
 * Webhooks minimum), so secrets derived by earlier versions stay the same and stay standard.
 */
function webhookSecretsOf(spec: KeySpec, index: number, serverSecret: Buffer): readonly string[] {
  const configured = spec.webhook_secret;
  if (configured === undefined)
    return [
      `whsec_${createHmac('sha256', serverSecret)
        .update(`webhook:${keyOwner(spec.key)}`)
        .digest('hex')
        .slice(0, 32)}`,
    ];
  const list: readonly unknown[] = typeof configured === 'string' ? [configured] : Array.isArray(configured) ? configured : [];
  if (list.length === 0 || !list.every((secret) => typeof secret === 'string' && secret.length >= 8)) {
    throw new KeysFileError(`keys[${index}].webhook_secret must be a string of at least 8 characters, or a list of them (current first)`);
  }
  return list as readonly string[];
}

/**
 * Reads a keys file (YAML, shape in the module docstring). Throws {@link KeysFileError} when
 * the file is not that shape, or the fs error when it cannot be read.
 */
export async function loadKeysFile(file: string): Promise<KeySpec[]> {
  const data: unknown = parse(await readFile(file, 'utf8'));
  if (typeof data !== 'object' || data === null || !Array.isArray((data as { keys?: unknown }).keys)) {
    throw new KeysFileError('the keys file must be a mapping with a `keys` list');
  }
  const entries = (data as { keys: unknown[] }).keys;
  return entries.map((entry, index) => {
    if (typeof entry !== 'object' || entry === null) throw new KeysFileError(`keys[${index}] must be a mapping`);
    const { key, plan, webhook_secret: secret, ...rest } = entry as Record<string, unknown>;
    const unknown = Object.keys(rest);
    if (unknown.length > 0) throw new KeysFileError(`keys[${index}] has unknown field ${unknown[0]}`);
    if (typeof key !== 'string') throw new KeysFileError(`keys[${index}].key must be a string`);
    if (typeof plan !== 'string') throw new KeysFileError(`keys[${index}].plan must be a string`);
    if (secret !== undefined && typeof secret !== 'string' && !(Array.isArray(secret) && secret.every((s) => typeof s === 'string'))) {
      throw new KeysFileError(`keys[${index}].webhook_secret must be a string or a list of strings`);
    }
    return secret === undefined ? { key, plan: plan as PlanName } : { key, plan: plan as PlanName, webhook_secret: secret };
  });
}

/** One fresh `mk_test_` key per plan (free included), each with its own webhook secret. */
export function generateKeySpecs(): KeySpec[] {
  return PLANS.map((plan) => ({
    key: `mk_test_${randomBytes(12).toString('hex')}`,
    plan,
    // Standard Webhooks form: `whsec_` and 32 random key bytes in base64.
    webhook_secret: `whsec_${randomBytes(32).toString('base64')}`,
  }));
}

/** Looks keys up in constant time with respect to their contents. */
export class KeyRing {
  readonly #records: readonly KeyRecord[];
  readonly #digests: readonly Buffer[];

  constructor(records: readonly KeyRecord[]) {
    this.#records = records;
    this.#digests = records.map((record) => createHash('sha256').update(record.key).digest());
  }

  /** All keys, in configuration order. */
  get records(): readonly KeyRecord[] {
    return this.#records;
  }

  /**
   * The record of `presented`, or undefined. Compares SHA-256 digests with `timingSafeEqual`
   * against every key without stopping early, so timing reveals neither which key nor how much matched.
   */
  find(presented: string): KeyRecord | undefined {
    const digest = createHash('sha256').update(presented).digest();
    let found: KeyRecord | undefined;
    this.#digests.forEach((candidate, index) => {
      if (timingSafeEqual(candidate, digest) && found === undefined) found = this.#records[index];
    });
    return found;
  }
}
