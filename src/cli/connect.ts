/**
 * Which MercaDream `run` and `plan` talk to: the real API when a key is given
 * (MERCADREAM_API_KEY or --api-key-file), otherwise MercaDream Local started in-process on
 * loopback with its data in `<project>/.mercadream/local` (offline; procedural media).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_BASE_URL, MercaClient, type MercaClientOptions } from '../api/client.js';
import type { LimitsSource } from '../api/limits.js';
import type { FfmpegBinaries } from '../media/ffmpeg.js';
import { ENGINES_VERSION } from '../local/engines/index.js';
import { assertSafeUrl } from '../api/transport.js';
import type { PaidPlan as PlanName } from '../vocabulary/catalog.js';
import { loadDefaultEngines } from '../local/default-engines.js';
import type { EngineQuality } from '../local/engines/types.js';
import { ensureKeysFile } from '../local/keys-file.js';
import { startLocalServer, type LocalServer } from '../local/server.js';

/** An open connection. */
export interface Connection {
  readonly client: MercaClient;
  /** Identity of the API (enters fingerprints): the host, or `local/<engines version>/<quality>` (each makes other bytes). */
  readonly api: string;
  /** What to tell the user about where requests go (never the key). */
  readonly description: string;
  readonly local?: LocalServer;
  /** The key's webhook secret, when the connection knows it (MercaDream Local's keys). */
  readonly webhookSecret?: string;
  close(): Promise<void>;
}

/** Options of connect(). */
export interface ConnectOptions {
  readonly plan: PlanName;
  /** `.mercadream` folder of the project. */
  readonly stateDir: string;
  readonly apiKeyFile?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly localQuality: EngineQuality;
  readonly onRetry?: MercaClientOptions['onRetry'];
  /** ffmpeg and ffprobe, located once by the command (MercaDream Local's engines use them). */
  readonly binaries: FfmpegBinaries;
  /** The plan limits every client of a key shares; one per process, made by the composition root. */
  readonly limits: LimitsSource;
  /** How long a request may wait for the API's answer, ms (`--request-timeout`); the client's default when absent. */
  readonly requestTimeoutMs?: number;
  /** `--webhook-url`: jobs are submitted with it, and waits poll only as the fallback for a missed delivery. */
  readonly webhookUrl?: string;
}

/**
 * Identity of the API a run will use (enters fingerprints): the host of the real API when a key
 * is given, else `local/<engines version>/<quality>` (each quality makes other bytes).
 * @throws TypeError when MERCADREAM_BASE_URL is not a URL, or plain http:// off loopback
 */
export function apiIdentity(options: { env: Readonly<Record<string, string | undefined>>; apiKeyFile?: string; localQuality: EngineQuality }): string {
  if (!(options.env['MERCADREAM_API_KEY'] || options.apiKeyFile)) return `local/${ENGINES_VERSION}/${options.localQuality}`;
  const url = new URL(options.env['MERCADREAM_BASE_URL'] ?? DEFAULT_BASE_URL);
  assertSafeUrl(url, 'the API base URL');
  return url.host;
}

/** Thrown for an unusable --api-key-file. */
export class ApiKeyFileError extends Error {
  readonly type = 'api_key_file';
}

/** The key in `--api-key-file` (trimmed). @throws ApiKeyFileError naming the file and why, never its content */
export async function readApiKeyFile(file: string): Promise<string> {
  let apiKey: string;
  try {
    apiKey = (await readFile(file, 'utf8')).trim();
  } catch (error: unknown) {
    throw new ApiKeyFileError(`cannot read --api-key-file ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (!apiKey) throw new ApiKeyFileError(`--api-key-file ${file} is empty`);
  return apiKey;
}

/** Why `--api-key-file` cannot be used (one line), or undefined when it can or is not given: checked before a fleet command touches Redis. */
export async function apiKeyFileProblem(file: string | undefined): Promise<string | undefined> {
  if (file === undefined) return undefined;
  return readApiKeyFile(file).then(
    () => undefined,
    (error: unknown) => (error instanceof ApiKeyFileError ? error.message : String(error)),
  );
}

/** Opens the connection (see the module docstring). */
export async function connect(options: ConnectOptions): Promise<Connection> {
  let apiKey = options.env['MERCADREAM_API_KEY'];
  if (options.apiKeyFile !== undefined) apiKey = await readApiKeyFile(options.apiKeyFile);
  const common = {
    plan: options.plan,
    limits: options.limits,
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    ...(options.webhookUrl ? { webhookUrl: options.webhookUrl } : {}),
  };
  if (apiKey) {
    const client = new MercaClient(apiKey, { ...common, env: options.env });
    return {
      client,
      api: apiIdentity({ env: { ...options.env, MERCADREAM_API_KEY: apiKey, MERCADREAM_BASE_URL: client.baseUrl }, localQuality: options.localQuality }),
      description: `MercaDream API at ${client.baseUrl}`,
      close: () => client.close(),
    };
  }
  const dataDir = join(options.stateDir, 'local');
  const engines = await loadDefaultEngines(options.localQuality, options.binaries);
  const { specs } = await ensureKeysFile(dataDir);
  const spec = specs.find((k) => k.plan === options.plan);
  if (!spec) throw new ApiKeyFileError(`${join(dataDir, 'keys.yaml')} has no key for the ${options.plan} plan`);
  const local = await startLocalServer({ dataDir, engines, keys: specs, quality: options.localQuality, port: 0 });
  const client = new MercaClient(spec.key, { ...common, baseUrl: local.url, env: {}, waitTiming: { minIntervalMs: 250, maxIntervalMs: 3000, factor: 1.5 } });
  return {
    client,
    local,
    webhookSecret: local.keys.find((k) => k.key === spec.key)?.webhookSecret ?? '',
    api: apiIdentity({ env: {}, localQuality: options.localQuality }),
    description: `MercaDream Local (no MERCADREAM_API_KEY: offline, procedural stand-in media, ${options.localQuality} quality) at ${local.url}`,
    async close() {
      await client.close();
      await local.close();
    },
  };
}
