/** A redis-server for a test file, in a temporary folder removed when the file ends (see redis.ts). */
import { startRedis as startIn, type RedisRig } from './redis.js';
import { tempDir } from './temp.js';

export { freePort, type RedisRig } from './redis.js';

/** Starts a redis-server of its own (free loopback port, temporary folder, no persistence). */
export function startRedis(): Promise<RedisRig> {
  return startIn(tempDir('mdp-redis-'));
}
