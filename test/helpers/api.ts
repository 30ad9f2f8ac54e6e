/**
 * Test rig for MercaDream Local: a server on a temporary data folder with one known key per
 * plan, and a tiny client over real loopback HTTP (undici).
 */
import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { startLocalServer, type LocalServer, type LocalServerOptions } from '../../src/local/server.js';
import { tempDir } from './temp.js';
import { createTestEngines } from './test-engines.js';

/** Known keys of the rig, one per plan (plus a second advanced key for isolation tests). */
export const KEYS = {
  regular: 'mk_test_regular0000000001',
  advanced: 'mk_test_advanced000000001',
  advanced2: 'mk_live_advanced000000002',
  professional: 'mk_test_professional00001',
  free: 'mk_test_free0000000000001',
} as const;

/** The rig's webhook secret, in the Standard Webhooks form (`whsec_` + 32 key bytes in base64). */
export const WEBHOOK_SECRET = 'whsec_dGVzdC1zZWNyZXQtMDAwMS10ZXN0LXNlY3JldC0wMDE=';

/** The secret `KEYS.advanced2` is rotating to: its deliveries carry signatures of both, this one first. */
export const NEXT_WEBHOOK_SECRET = 'whsec_bmV4dC1zZWNyZXQtMDAwMi1uZXh0LXNlY3JldC0wMDI=';

/** A response as tests read it. */
export interface ApiResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Parsed JSON body (undefined when the body is not JSON). */
  readonly json: Record<string, unknown>;
  readonly text: string;
}

/** A running rig; `close()` stops the server (and removes the data folder unless `keepData`). */
export interface Rig {
  readonly server: LocalServer;
  readonly dataDir: string;
  call(method: string, path: string, options?: { key?: string; body?: unknown; raw?: string; headers?: Record<string, string> }): Promise<ApiResponse>;
  close(options?: { keepData?: boolean }): Promise<void>;
}

/** Starts a server with the rig's keys and test engines; `options` override the defaults. */
export async function startRig(options: Partial<LocalServerOptions> = {}): Promise<Rig> {
  const dataDir = options.dataDir ?? tempDir('mercadream-local-');
  const server = await startLocalServer({
    dataDir,
    engines: createTestEngines(),
    quality: 'fast',
    keys: [
      { key: KEYS.regular, plan: 'regular', webhook_secret: WEBHOOK_SECRET },
      { key: KEYS.advanced, plan: 'advanced', webhook_secret: WEBHOOK_SECRET },
      { key: KEYS.advanced2, plan: 'advanced', webhook_secret: [NEXT_WEBHOOK_SECRET, WEBHOOK_SECRET] },
      { key: KEYS.professional, plan: 'professional', webhook_secret: WEBHOOK_SECRET },
      { key: KEYS.free, plan: 'free' },
    ],
    ...options,
  });
  return {
    server,
    dataDir,
    call: (method, path, callOptions = {}) => call(server.origin, method, path, callOptions),
    async close(closeOptions = {}) {
      await server.close();
      if (closeOptions.keepData !== true) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** One request to `origin + path`; `key` becomes a Bearer token, `body` JSON. */
export async function call(
  origin: string,
  method: string,
  path: string,
  options: { key?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...(options.key === undefined ? {} : { authorization: `Bearer ${options.key}` }) };
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  if (options.raw !== undefined) body = options.raw;
  Object.assign(headers, options.headers);
  const response = await request(`${origin}${path}`, { method: method as 'GET', headers, ...(body === undefined ? {} : { body }) });
  const text = await response.body.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON (a download)
  }
  return { status: response.statusCode, headers: response.headers, json, text };
}

/** Polls `check` every 50 ms until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Polls GET /v2/jobs/{id} until the job is completed or failed; resolves to the job object. */
export async function waitForJob(rig: Rig, key: string, id: string): Promise<Record<string, unknown>> {
  return eventually(async () => {
    const response = await rig.call('GET', `/v2/jobs/${id}`, { key });
    const status = response.json.status;
    return status === 'completed' || status === 'failed' ? response.json : undefined;
  }, `job ${id} to finish`);
}

/** Asserts the shape of an error JSON body and returns it. */
export function errorOf(response: ApiResponse): { code: number; type: string; message: string; param?: string } {
  const body = response.json as { code: number; type: string; message: string; param?: string };
  if (body.code !== response.status || typeof body.type !== 'string' || typeof body.message !== 'string') {
    throw new Error(`not an error body for ${response.status}: ${response.text.slice(0, 300)}`);
  }
  return body;
}
