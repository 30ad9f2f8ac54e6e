/**
 * Fingerprints: what identifies a generated asset, so the same request is never paid for twice.
 *
 * fingerprint = SHA-256 of the RFC 8785 canonical JSON of
 *   { api:      who makes it (the API host, or `local/<engine version>` for MercaDream Local):
 *               the same request to another service is another asset;
 *     endpoint: `generate` | `speech` | `music`: a prompt means different things to each;
 *     params:   exactly the request body the API sees (prompt, resolution, duration bucket, …) }
 * Not in it: the scene's id or position, its trim, transitions, gains: changing those changes
 * the cut, not the asset, and only re-stitches.
 */
import * as canonicalizeModule from 'canonicalize';
import { createHash } from 'node:crypto';

// The package is CommonJS whose typings declare an ES default export; at run time that
// default is the namespace's `default`.
const canonicalize = (canonicalizeModule as unknown as { default: (input: unknown) => string | undefined }).default;

/** SHA-256 hex of an asset request (see the module docstring). */
export type Fingerprint = string & { readonly __brand: 'Fingerprint' };

/** SHA-256 hex of bytes. */
export type Sha256Hex = string & { readonly __brand: 'Sha256Hex' };

/** The API endpoints that make assets. */
export type Endpoint = 'generate' | 'speech' | 'music';

/** A request to the API, as its body is sent. */
export interface AssetRequest {
  readonly endpoint: Endpoint;
  readonly params: Readonly<Record<string, string | number>>;
}

/** The fingerprint of `request` made by `api`. */
export function fingerprintOf(request: AssetRequest, api: string): Fingerprint {
  const text = canonicalize({ api, endpoint: request.endpoint, params: request.params });
  if (text === undefined) throw new TypeError('request cannot be fingerprinted');
  return createHash('sha256').update(text).digest('hex') as Fingerprint;
}

/** SHA-256 hex of any JSON-shaped value, canonicalized (for stitch inputs). */
export function hashJson(value: unknown): Sha256Hex {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value cannot be hashed');
  return createHash('sha256').update(text).digest('hex') as Sha256Hex;
}
