/**
 * The small pieces of MercaDream Local on their own: ranges, rate windows, counters, cost
 * formula, keys, URL signing and atomic files. (How many jobs render at once, and in which
 * order: server-limits.test.ts.)
 */
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readJsonDir, writeJsonAtomic } from '../../src/util/atomic-file.js';
import { ManualClock } from '../../src/util/clock.js';
import { computeUnits } from '../../src/local/compute-units.js';
import { RequestCounters } from '../../src/local/counters.js';
import { parseRange } from '../../src/local/downloads.js';
import { ApiError } from '../../src/local/errors.js';
import { generateKeySpecs, KeyRing, KeysFileError, keyLabel, loadKeysFile, toKeyRecords } from '../../src/local/keys.js';
import { isStandardWebhookSecret, webhookSecretKey } from '../../src/vocabulary/webhook-signature.js';
import { RateLimiter } from '../../src/local/rate-limit.js';
import { UrlSigner } from '../../src/local/signed-url.js';
import { validateGenerate, validateMusic, validateSpeech } from '../../src/local/validate.js';
import { tempDir } from '../helpers/temp.js';

const SECRET = Buffer.alloc(32, 7);

describe('parseRange', () => {
  it('reads the single-range forms and ignores what it does not understand', () => {
    assert.deepEqual(parseRange('bytes=0-9', 100), { start: 0, end: 9 });
    assert.deepEqual(parseRange('bytes=90-', 100), { start: 90, end: 99 });
    assert.deepEqual(parseRange('bytes=90-500', 100), { start: 90, end: 99 });
    assert.deepEqual(parseRange('bytes=-5', 100), { start: 95, end: 99 });
    assert.deepEqual(parseRange('bytes=-500', 100), { start: 0, end: 99 });
    assert.equal(parseRange(undefined, 100), undefined);
    assert.equal(parseRange('items=0-9', 100), undefined);
    assert.equal(parseRange('bytes=0-1,5-6', 100), undefined);
    assert.equal(parseRange('bytes=9-3', 100), undefined);
  });
  it('throws 416 for a range starting past the end', () => {
    assert.throws(
      () => parseRange('bytes=100-', 100),
      (e: ApiError) => e.status === 416 && e.headers['Content-Range'] === 'bytes */100',
    );
    assert.throws(
      () => parseRange('bytes=-0', 100),
      (e: ApiError) => e.status === 416,
    );
  });
});

describe('RateLimiter', () => {
  it('admits `limit` requests per sliding minute and tells when the next slot frees', () => {
    const clock = new ManualClock(1_000_000);
    const limiter = new RateLimiter(clock);
    for (let i = 0; i < 3; i += 1) {
      assert.equal(limiter.take('a', 3).allowed, true);
      clock.advance(10_000);
    }
    const refused = limiter.take('a', 3);
    assert.equal(refused.allowed, false);
    assert.equal(refused.remaining, 0);
    assert.equal(refused.retryAfter, 30);
    clock.advance(30_000);
    assert.equal(limiter.take('a', 3).allowed, true, 'the first request left the window');
    assert.equal(limiter.take('a', 3).allowed, false);
    assert.equal(limiter.take('b', 3).allowed, true, 'per owner');
  });
});

describe('RequestCounters', () => {
  it('keeps the peak of any 60 s window', () => {
    const clock = new ManualClock(0);
    const counters = new RequestCounters(clock);
    for (let i = 0; i < 5; i += 1) counters.record('GET /v2/jobs', 'k');
    clock.advance(61_000);
    for (let i = 0; i < 3; i += 1) counters.record('GET /v2/jobs', 'k');
    assert.equal(counters.count('k'), 8);
    assert.equal(counters.peakPerMinute('k'), 5);
    counters.reset();
    assert.equal(counters.snapshot().total, 0);
  });
});

describe('computeUnits', () => {
  it('follows the documented formula', () => {
    const video = (resolution: '720p' | '1080p' | '4k' | '8k', duration: number, fps = 24) => validateGenerate({ prompt: 'a', resolution, duration, fps });
    assert.equal(computeUnits(video('4k', 30)), 12);
    assert.equal(computeUnits(video('720p', 15)), 1);
    assert.equal(computeUnits(video('8k', 120)), 192);
    assert.equal(computeUnits(video('1080p', 60, 60)), 16);
    assert.equal(computeUnits(validateSpeech({ text: 'x'.repeat(501) })), 2);
    assert.equal(computeUnits(validateSpeech({ text: 'x' })), 1);
    assert.equal(computeUnits(validateMusic({ prompt: 'a', duration: 61 })), 3);
  });
});

describe('keys', () => {
  it('finds keys by value and labels them without revealing them', () => {
    const records = toKeyRecords(
      [
        { key: 'mk_test_abcd1234', plan: 'regular' },
        { key: 'mk_live_zzzz9999', plan: 'professional' },
      ],
      SECRET,
    );
    const ring = new KeyRing(records);
    assert.equal(ring.find('mk_live_zzzz9999')?.plan, 'professional');
    assert.equal(ring.find('mk_live_zzzz9998'), undefined);
    assert.equal(ring.find(''), undefined);
    assert.equal(records[0]?.livemode, false);
    assert.equal(records[1]?.livemode, true);
    assert.match(keyLabel('mk_test_abcd1234'), /^mk_test_…1234\.[0-9a-f]{6}$/);
    assert.match(records[0]?.webhookSecret ?? '', /^whsec_[0-9a-f]{32}$/, 'derived when absent, as earlier versions did');
    assert.ok(isStandardWebhookSecret(records[0]?.webhookSecret ?? ''), 'and valid base64: 24 key bytes');
    assert.equal(toKeyRecords([{ key: 'mk_test_abcd1234', plan: 'regular' }], SECRET)[0]?.webhookSecret, records[0]?.webhookSecret, 'stable');
  });

  it('refuses malformed, duplicate and unknown-plan keys without echoing them', () => {
    assert.throws(
      () => toKeyRecords([{ key: 'sk_secret_value', plan: 'regular' }], SECRET),
      (e: Error) => e instanceof KeysFileError && !e.message.includes('sk_secret_value'),
    );
    assert.throws(
      () =>
        toKeyRecords(
          [
            { key: 'mk_test_same1', plan: 'regular' },
            { key: 'mk_test_same1', plan: 'advanced' },
          ],
          SECRET,
        ),
      /twice/,
    );
    assert.throws(() => toKeyRecords([{ key: 'mk_test_abcd', plan: 'gold' as 'free' }], SECRET), /plan/);
  });

  it('reads a keys file and refuses one of the wrong shape', async () => {
    const dir = tempDir('mdp-keys-');
    const file = join(dir, 'keys.yaml');
    await writeFile(file, 'keys:\n  - key: mk_test_abcd1234\n    plan: advanced\n    webhook_secret: whsec_abcdefgh\n');
    assert.deepEqual(await loadKeysFile(file), [{ key: 'mk_test_abcd1234', plan: 'advanced', webhook_secret: 'whsec_abcdefgh' }]);
    await writeFile(file, 'keys:\n  - key: mk_test_abcd1234\n    plan: advanced\n    colour: red\n');
    await assert.rejects(loadKeysFile(file), /unknown field colour/);
    await writeFile(file, '- mk_test_abcd1234\n');
    await assert.rejects(loadKeysFile(file), KeysFileError);
  });

  it('takes a list of webhook secrets while one is rotated, and makes new ones in the Standard Webhooks form', async () => {
    const dir = tempDir('mdp-keys-');
    const file = join(dir, 'keys.yaml');
    await writeFile(file, 'keys:\n  - key: mk_test_abcd1234\n    plan: advanced\n    webhook_secret: [whsec_newnewnew, whsec_oldoldold]\n');
    const [record] = toKeyRecords(await loadKeysFile(file), SECRET);
    assert.deepEqual(record?.webhookSecrets, ['whsec_newnewnew', 'whsec_oldoldold']);
    assert.equal(record?.webhookSecret, 'whsec_newnewnew', 'the current one first');
    assert.throws(() => toKeyRecords([{ key: 'mk_test_abcd1234', plan: 'regular', webhook_secret: [] }], SECRET), /list of them/);
    assert.throws(() => toKeyRecords([{ key: 'mk_test_abcd1234', plan: 'regular', webhook_secret: ['whsec_long_enough', 'short'] }], SECRET), /at least 8/);
    for (const spec of generateKeySpecs()) {
      assert.ok(typeof spec.webhook_secret === 'string' && isStandardWebhookSecret(spec.webhook_secret));
      assert.equal(webhookSecretKey(spec.webhook_secret).length, 32);
    }
  });
});

describe('UrlSigner', () => {
  it('accepts its own URLs until they expire, and nothing else', () => {
    const clock = new ManualClock(1_700_000_000_000);
    const signer = new UrlSigner(SECRET, clock, 60);
    const url = new URL(signer.url('http://127.0.0.1:1', 'ast_0123456789abcdef'));
    assert.doesNotThrow(() => signer.verify('ast_0123456789abcdef', url.searchParams));
    assert.throws(
      () => signer.verify('ast_0123456789abcdeg', url.searchParams),
      (e: ApiError) => e.type === 'invalid_signature',
    );
    const other = new UrlSigner(Buffer.alloc(32, 8), clock, 60);
    assert.throws(
      () => other.verify('ast_0123456789abcdef', url.searchParams),
      (e: ApiError) => e.type === 'invalid_signature',
    );
    clock.advance(60_000);
    assert.throws(
      () => signer.verify('ast_0123456789abcdef', url.searchParams),
      (e: ApiError) => e.type === 'url_expired',
    );
  });
});

describe('atomic files', () => {
  it('writes whole files, leaves no temp files, and skips torn ones when reading', async () => {
    const dir = tempDir('mdp-atomic-');
    await writeJsonAtomic(join(dir, 'a.json'), { n: 1 });
    await writeJsonAtomic(join(dir, 'a.json'), { n: 2 });
    await writeFile(join(dir, 'b.json'), '{"n": 3');
    await writeFile(join(dir, 'c.json.123.tmp'), '{');
    assert.deepEqual(JSON.parse(await readFile(join(dir, 'a.json'), 'utf8')), { n: 2 });
    assert.deepEqual(await readJsonDir(dir), [{ n: 2 }]);
    assert.deepEqual((await readdir(dir)).sort(), ['a.json', 'b.json']);
  });
});
