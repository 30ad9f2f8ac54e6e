/**
 * The fleet's one connection to Redis: `redis://HOST:PORT/DB` (or `rediss://` for TLS), as
 * `--queue` names it. Every Redis key the fleet writes starts with {@link FLEET_PREFIX}.
 */
import { Redis } from 'ioredis';

/** Prefix of every key the fleet keeps in Redis (BullMQ's queue included). */
export const FLEET_PREFIX = 'mdp';

/** Redis could not be reached, or `--queue` is not a Redis URL. The message is one line, without the URL's password. */
export class RedisUnavailableError extends Error {
  readonly type = 'redis_unavailable';
}

/** The URL without its password, for messages. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(not a URL)';
  }
}

/** The ioredis connection options the fleet uses (a subset of ioredis's RedisOptions). */
export interface FleetRedisOptions {
  readonly host: string;
  readonly port: number;
  readonly db: number;
  readonly username?: string;
  readonly password?: string;
  readonly tls?: Record<string, never>;
  readonly maxRetriesPerRequest: null;
  readonly connectTimeout: number;
  readonly lazyConnect: boolean;
}

/**
 * The ioredis options of `url`. BullMQ needs `maxRetriesPerRequest: null` on connections that
 * block (workers, queue events); the fleet uses it everywhere, and a short connect timeout.
 * @throws RedisUnavailableError when `url` is not redis:// or rediss://
 */
export function redisOptions(url: string): FleetRedisOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RedisUnavailableError(`--queue ${redactRedisUrl(url)} is not a URL: give redis://HOST:PORT/DB`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new RedisUnavailableError(`--queue must be redis://HOST:PORT/DB, not ${parsed.protocol}//…`);
  const db = Number(parsed.pathname.replace(/^\//, '') || '0');
  if (!Number.isInteger(db) || db < 0) throw new RedisUnavailableError(`--queue ${redactRedisUrl(url)}: the database must be a whole number (redis://HOST:PORT/DB)`);
  return {
    host: parsed.hostname || '127.0.0.1',
    port: Number(parsed.port || '6379'),
    db,
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
    connectTimeout: 5_000,
    lazyConnect: true,
  };
}

/**
 * Connects to `url` and checks that Redis answers (PING), giving up after about 5 s.
 * @throws RedisUnavailableError naming the host and port (never the password)
 */
export async function connectRedis(url: string): Promise<Redis> {
  const options = redisOptions(url);
  // While connecting, a refused connection must fail at once rather than be retried for ever.
  const redis = new Redis({ ...options, retryStrategy: () => null });
  redis.on('error', () => undefined); // reported by the failed command below
  try {
    await redis.connect();
    await redis.ping();
  } catch (error: unknown) {
    redis.disconnect();
    const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new RedisUnavailableError(`cannot reach Redis at ${options.host}:${options.port} (${why})`);
  }
  // Once up, a dropped connection is retried (a Redis restart), spaced up to 2 s.
  redis.options.retryStrategy = (times) => Math.min(times * 200, 2_000);
  return redis;
}
