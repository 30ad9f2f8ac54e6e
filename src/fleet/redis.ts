/**
 * The fleet's one connection to Redis: `redis://HOST:PORT/DB` (or `rediss://` for TLS), as
 * `--queue` names it. Every Redis key the fleet writes starts with {@link FLEET_PREFIX}.
 */
import { Redis } from 'ioredis';

/** Prefix of every key the fleet keeps in Redis (BullMQ's queue included). */
export const FLEET_PREFIX = 'mdp';

/** Redis could not be reached. The message is one line, without the URL's password. */
export class RedisUnavailableError extends Error {
  readonly type = 'redis_unavailable';
}

/** Redis answered but refused the credentials of `--queue` (WRONGPASS, NOAUTH). One line, never the password. */
export class RedisAuthError extends Error {
  readonly type = 'redis_auth';
}

/** `--queue` is not a Redis URL (a usage error). The message names `--queue`, never the password. */
export class QueueUrlError extends Error {
  readonly type = 'queue_url';
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
 * @throws QueueUrlError when `url` is not redis:// or rediss:// with a whole-number database
 */
export function redisOptions(url: string): FleetRedisOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Shown only when it cannot hold a password (no user-info part).
    const shown = url.includes('@') ? '' : ` "${url}"`;
    throw new QueueUrlError(`--queue${shown} is not a URL: give redis://HOST:PORT/DB`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new QueueUrlError(`--queue must be redis://HOST:PORT/DB, not ${parsed.protocol}//…`);
  const db = Number(parsed.pathname.replace(/^\//, '') || '0');
  if (!Number.isInteger(db) || db < 0) throw new QueueUrlError(`--queue ${redactRedisUrl(url)}: the database must be a whole number (redis://HOST:PORT/DB)`);
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

/** What is wrong with `--queue` `url` (one line naming `--queue`), or undefined when it is a usable Redis URL. */
export function queueUrlProblem(url: string): string | undefined {
  try {
    redisOptions(url);
    return undefined;
  } catch (error: unknown) {
    if (error instanceof QueueUrlError) return error.message;
    throw error;
  }
}

/**
 * Connects to `url` and checks that Redis answers (PING), giving up after about 5 s.
 * @throws QueueUrlError for a malformed URL; RedisAuthError when Redis refuses the credentials
 *   (its WRONGPASS or NOAUTH reply); RedisUnavailableError when it cannot be reached. Each names
 *   the host and port, never the password.
 */
export async function connectRedis(url: string): Promise<Redis> {
  const options = redisOptions(url);
  // While connecting, a refused connection must fail at once rather than be retried for ever.
  const redis = new Redis({ ...options, retryStrategy: () => null });
  // A refused AUTH arrives as an 'error' event, and the connection then closes: that first
  // error says why, where the failed connect says only "Connection is closed".
  let first: unknown;
  redis.on('error', (error: unknown) => (first ??= error));
  try {
    await redis.connect();
    await redis.ping();
  } catch (error: unknown) {
    redis.disconnect();
    throw connectionError(first ?? error, options);
  }
  // Once up, a dropped connection is retried (a Redis restart), spaced up to 2 s.
  redis.options.retryStrategy = (times) => Math.min(times * 200, 2_000);
  return redis;
}

/**
 * The error of a failed connection: Redis's own refusal of the credentials (its `WRONGPASS` or
 * `NOAUTH` reply, see https://redis.io/docs/latest/commands/auth/) said as such, anything else
 * as unreachable.
 */
function connectionError(error: unknown, options: FleetRedisOptions): Error {
  const why = (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
  const at = `${options.host}:${options.port}`;
  if (/^WRONGPASS\b/.test(why)) {
    return new RedisAuthError(`Redis at ${at} refused the ${options.username ? 'user name or password' : 'password'} of --queue (WRONGPASS): check the URL's credentials`);
  }
  if (/^NOAUTH\b/.test(why)) {
    return new RedisAuthError(
      options.password
        ? `Redis at ${at} did not take the password of --queue (NOAUTH): check the URL's credentials`
        : `Redis at ${at} needs a password (NOAUTH): give it in --queue as redis://:PASSWORD@HOST:PORT/DB`,
    );
  }
  return new RedisUnavailableError(`cannot reach Redis at ${at} (${why})`);
}
