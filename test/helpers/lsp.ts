/**
 * A minimal Language Server Protocol client over a child's stdio (JSON-RPC 2.0 with
 * `Content-Length` framing), enough to drive an editor's language server as an editor would:
 * send requests and notifications, answer the server's own requests, and wait for a notification.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

/** One JSON-RPC message as received. */
export interface LspMessage {
  readonly id?: number | string;
  readonly method?: string;
  readonly params?: unknown;
  readonly result?: unknown;
  readonly error?: { message: string };
}

/** Answers a request the server sends to the client (`workspace/configuration` …). */
export type ServerRequestHandler = (method: string, params: unknown) => unknown;

export class LspClient {
  readonly #child: ChildProcessWithoutNullStreams;
  #buffer = Buffer.alloc(0);
  #nextId = 1;
  readonly #pending = new Map<number, (m: LspMessage) => void>();
  #waiters: Array<{ match: (m: LspMessage) => boolean; resolve: (m: LspMessage) => void }> = [];
  /** Every notification received, in order. */
  readonly notifications: LspMessage[] = [];
  /** What the server wrote on standard error (its crashes). */
  stderr = '';

  /** Starts `command args` and speaks LSP on its stdio; `onRequest` answers the server's requests. */
  constructor(command: string, args: readonly string[], onRequest: ServerRequestHandler) {
    this.#child = spawn(command, [...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.#child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.#child.stdout.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      for (let m = this.#take(); m; m = this.#take()) this.#dispatch(m, onRequest);
    });
  }

  /** Sends a request and resolves to its result; rejects with the server's error. */
  async request(method: string, params: unknown): Promise<unknown> {
    const id = this.#nextId++;
    const answer = new Promise<LspMessage>((resolve) => this.#pending.set(id, resolve));
    this.#send({ jsonrpc: '2.0', id, method, params });
    const m = await answer;
    if (m.error) throw new Error(`${method}: ${m.error.message}`);
    return m.result;
  }

  notify(method: string, params: unknown): void {
    this.#send({ jsonrpc: '2.0', method, params });
  }

  /** The first notification (already received or to come) for which `match` holds; rejects after `ms`. */
  async waitFor(match: (m: LspMessage) => boolean, ms: number): Promise<LspMessage> {
    const seen = this.notifications.find(match);
    if (seen) return seen;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching notification within ${ms} ms; server stderr: ${this.stderr}`)), ms);
      this.#waiters.push({
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  /** Asks the server to shut down and exit; kills it if it does not within a second. */
  async close(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    if (this.#child.exitCode === null) {
      await Promise.race([this.request('shutdown', null), new Promise((r) => setTimeout(r, 1000))]);
      this.notify('exit', null);
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), 1000);
      await exited;
      clearTimeout(timer);
    }
  }

  #send(message: object): void {
    const body = Buffer.from(JSON.stringify(message), 'utf8');
    this.#child.stdin.write(`Content-Length: ${body.length}\r\n\r\n`);
    this.#child.stdin.write(body);
  }

  /** The next whole message in the buffer, if one has arrived. */
  #take(): LspMessage | undefined {
    const headerEnd = this.#buffer.indexOf('\r\n\r\n');
    if (headerEnd < 0) return undefined;
    const length = Number(/Content-Length: (\d+)/i.exec(this.#buffer.subarray(0, headerEnd).toString())?.[1]);
    const start = headerEnd + 4;
    if (this.#buffer.length < start + length) return undefined;
    const body = this.#buffer.subarray(start, start + length).toString('utf8');
    this.#buffer = this.#buffer.subarray(start + length);
    return JSON.parse(body) as LspMessage;
  }

  #dispatch(m: LspMessage, onRequest: ServerRequestHandler): void {
    if (m.method !== undefined && m.id !== undefined) {
      this.#send({ jsonrpc: '2.0', id: m.id, result: onRequest(m.method, m.params) ?? null });
    } else if (m.method !== undefined) {
      this.notifications.push(m);
      const waiting = this.#waiters.filter((w) => w.match(m));
      this.#waiters = this.#waiters.filter((w) => !w.match(m));
      for (const w of waiting) w.resolve(m);
    } else if (typeof m.id === 'number') {
      this.#pending.get(m.id)?.(m);
      this.#pending.delete(m.id);
    }
  }
}
