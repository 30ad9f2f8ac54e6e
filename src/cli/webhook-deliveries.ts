/**
 * `--webhook-url URL`: jobs are submitted with `webhook_url: URL`, and a receiver listening on
 * URL's port and path (on all interfaces, unless URL names a loopback host; `--webhook-listen`
 * says otherwise, as behind a TLS reverse proxy: the receiver speaks plain HTTP) verifies each
 * delivery with the key's webhook secret, drops duplicates, and hands it to the client, which
 * settles the job's waits: a job then costs its POST alone, and polling (the list endpoint,
 * shared by all waits) is only the fallback for a delivery that never came. The secret comes
 * from MERCADREAM_WEBHOOK_SECRET or `--webhook-secret-file` (MercaDream Local's key knows its own).
 */
import { readFile } from 'node:fs/promises';
import { startWebhookReceiver, type WebhookPayload, type WebhookReceiver } from '../api/webhooks.js';

/** `--webhook-url` is not a usable http(s) URL, or no webhook secret is known. */
export class WebhookSetupError extends Error {
  readonly type = 'webhook_setup';
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/**
 * The webhook secret: the file's first line, else MERCADREAM_WEBHOOK_SECRET, else `known`.
 * @throws WebhookSetupError when there is none, or the file cannot be read
 */
export async function webhookSecret(options: { file?: string; env: Readonly<Record<string, string | undefined>>; known?: string }): Promise<string> {
  if (options.file !== undefined) {
    const text = await readFile(options.file, 'utf8').catch(() => {
      throw new WebhookSetupError(`cannot read --webhook-secret-file ${options.file}`);
    });
    const secret = text.split('\n')[0]!.trim();
    if (secret) return secret;
    throw new WebhookSetupError(`--webhook-secret-file ${options.file} is empty`);
  }
  const secret = options.env['MERCADREAM_WEBHOOK_SECRET'] || options.known;
  if (!secret) throw new WebhookSetupError('--webhook-url needs the key’s webhook secret: set MERCADREAM_WEBHOOK_SECRET or give --webhook-secret-file');
  return secret;
}

/** Where the receiver listens: a host and a TCP port. */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * Where the receiver of `url` listens, and the path it takes deliveries at (`url`'s path; its
 * query string is the API's to send back, not part of the path). `listen` (`--webhook-listen`,
 * `PORT` or `HOST:PORT`) overrides the address, as behind a TLS reverse proxy that forwards
 * `https://studio.example/hooks` to a local port; otherwise the port is `url`'s (80 for http://,
 * 443 for https://), on all interfaces unless `url` names a loopback host. The receiver itself
 * speaks plain HTTP.
 * @throws WebhookSetupError for a URL that is not http(s), or a `listen` that is not [HOST:]PORT
 */
export function receiverPlace(url: string, listen?: string): ListenAddress & { readonly path: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new WebhookSetupError(`--webhook-url ${url} is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new WebhookSetupError(`--webhook-url must be http:// or https://, not ${parsed.protocol}`);
  const derived: ListenAddress = {
    host: LOOPBACK.has(parsed.hostname) ? parsed.hostname.replace(/^\[|\]$/g, '') : '0.0.0.0',
    port: Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80)),
  };
  return { ...(listen === undefined ? derived : listenAddress(listen, derived.host)), path: parsed.pathname };
}

/** `--webhook-listen` `PORT`, `HOST:PORT` or `[IPv6]:PORT`; a bare port keeps `host`. */
function listenAddress(listen: string, host: string): ListenAddress {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]:|([^:[\]]+):)?(\d{1,5})$/.exec(listen.trim());
  const port = Number(match?.[3]);
  if (!match || port < 1 || port > 65535) throw new WebhookSetupError(`--webhook-listen ${listen} is not PORT or HOST:PORT (a port from 1 to 65535)`);
  return { host: match[1] ?? match[2] ?? host, port };
}

/**
 * Starts the receiver of `url` (at the place {@link receiverPlace} derives), handing each
 * verified delivery to `onDelivery` (a client's `observeDelivery`, or the fleet's relay to its
 * workers).
 * @throws WebhookSetupError for a URL that is not http(s), a bad `listen`, or a port that is taken
 */
export async function receiveDeliveries(url: string, secret: string, onDelivery: (payload: WebhookPayload) => void, listen?: string): Promise<WebhookReceiver> {
  const place = receiverPlace(url, listen);
  try {
    return await startWebhookReceiver({ secret, ...place, onDelivery });
  } catch (error: unknown) {
    throw new WebhookSetupError(`cannot receive webhooks on ${place.host}:${place.port} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}
