/**
 * A real redis-server for tests and benches: its own free loopback port, a temporary folder, no persistence
 * (`--save '' --appendonly no`), stopped by `stop()` (and killed if the test process exits first).
 */
import { createServer } from 'node:net';
import { execa } from 'execa';
import { Redis } from 'ioredis';

/** A running redis-server. */
export interface RedisRig {
  /** `redis://127.0.0.1:<port>/0`. */
  readonly url: string;
  readonly port: number;
  /** A new connection to it (closed by `stop()`). */
  connect(): Redis;
  /** Commands the server has processed so far (INFO stats), for round-trip counts. */
  commands(): Promise<number>;
  stop(): Promise<void>;
}

/** A TCP port free on loopback now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts redis-server (Debian's `redis-server`, or REDIS_SERVER) with `dir` as its folder and
 * waits until it answers PING. (Tests use startRedis in test/helpers/redis-rig.ts, which makes the folder.)
 */
export async function startRedis(dir: string): Promise<RedisRig> {
  const port = await freePort();
  const child = execa(process.env['REDIS_SERVER'] ?? 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: 'ignore',
    reject: false,
    cleanup: true,
  });
  const connections: Redis[] = [];
  const connect = () => {
    const redis = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: null });
    redis.on('error', () => undefined);
    connections.push(redis);
    return redis;
  };
  const deadline = Date.now() + 10_000;
  let probe: Redis;
  for (;;) {
    probe = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      await probe.ping();
      break;
    } catch {
      probe.disconnect();
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`redis-server did not start on port ${port}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  connections.push(probe);
  return {
    url: `redis://127.0.0.1:${port}/0`,
    port,
    connect,
    async commands() {
      const info = await probe.info('stats');
      return Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? '0');
    },
    async stop() {
      for (const c of connections) c.disconnect();
      child.kill('SIGTERM');
      await child;
    },
  };
}
