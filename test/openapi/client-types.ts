// Compile-time check that MercaClient's request and response types (src/api/types.ts,
// src/api/webhooks.ts) say what the OpenAPI document says (openapi-types.ts, generated from
// schemas/openapi.json by `npm run openapi:types`). `tsc -p tsconfig.test.json` (npm test, the
// lint) fails on this file when they drift apart. The rules:
// - requests: the client names exactly the document's parameters, requires exactly the ones the
//   document requires, and accepts every request the document allows (it may accept more: style
//   and voice_id are open strings because the hosted API may know more than MercaDream Local);
// - responses: every object the document describes, its times revived as Dates, is a value of the
//   client's type, and the client names no field the document does not have.
import type { GenerateParams, Job, JobListParams, JobPage, JobStatus, JobType, MusicParams, SpeechParams, VaultAsset } from '../../src/api/types.js';
import type { WebhookPayload } from '../../src/api/webhooks.js';
import type { components, operations } from './openapi-types.js';

type Schemas = components['schemas'];

/** Compiles only when `T` is `true`. */
type Assert<T extends true> = T;
/** `true` when A and B are the same type. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** `true` when every value of A is a value of B. */
type Extends<A, B> = [A] extends [B] ? true : false;
/** The keys a type names (not its index signature). */
type KnownKeys<T> = keyof { [K in keyof T as string extends K ? never : K]: T[K] };
/** The keys of any member of a union. */
type AnyKey<U> = U extends unknown ? keyof U : never;
/** The keys a type requires. */
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
/** The JSON of a time field as the client gives it: a Date (JSON.parse reviver in types.ts). */
type Revived<T> = {
  [K in keyof T]: K extends 'created_at' | 'estimated_completion' | 'completed_at' | 'timestamp' ? Exclude<T[K], string> | (string extends T[K] ? Date : never) : T[K];
};

type DocJob = Schemas['VideoJob'] | Schemas['SpeechJob'] | Schemas['MusicJob'];
type DocEvent = Schemas['JobUpdatedEvent'] | Schemas['JobCompletedEvent'] | Schemas['JobFailedEvent'];

/** Request bodies: same names, same required ones, every documented request accepted. */
type RequestAgrees<Client, Doc> = [Equal<keyof Client, keyof Doc>, Equal<RequiredKeys<Client>, RequiredKeys<Doc>>, Extends<Doc, Client>] extends [true, true, true] ? true : false;

export type Checks = [
  Assert<RequestAgrees<GenerateParams, Schemas['GenerateRequest']>>,
  Assert<RequestAgrees<SpeechParams, Schemas['SpeechRequest']>>,
  Assert<RequestAgrees<MusicParams, Schemas['MusicRequest']>>,
  Assert<RequestAgrees<JobListParams, NonNullable<operations['listJobs']['parameters']['query']>>>,
  Assert<Equal<JobStatus, Schemas['VideoJob']['status']>>,
  Assert<Equal<JobType, DocJob['type']>>,
  // Each job type of the document is a Job, and Job names nothing the document lacks.
  Assert<Extends<Revived<Schemas['VideoJob']>, Job>>,
  Assert<Extends<Revived<Schemas['SpeechJob']>, Job>>,
  Assert<Extends<Revived<Schemas['MusicJob']>, Job>>,
  Assert<Extends<KnownKeys<Job>, AnyKey<DocJob>>>,
  Assert<Equal<KnownKeys<JobPage>, Exclude<keyof Schemas['JobList'], 'object'>>>,
  Assert<Extends<Revived<Schemas['Asset']>, VaultAsset>>,
  Assert<Equal<KnownKeys<VaultAsset>, keyof Schemas['Asset']>>,
  // Webhook payloads: each event of the document is a WebhookPayload, which names nothing else.
  Assert<Extends<Revived<Schemas['JobUpdatedEvent']>, WebhookPayload>>,
  Assert<Extends<Revived<Schemas['JobCompletedEvent']>, WebhookPayload>>,
  Assert<Extends<Revived<Schemas['JobFailedEvent']>, WebhookPayload>>,
  Assert<Extends<KnownKeys<WebhookPayload>, AnyKey<DocEvent>>>,
];
