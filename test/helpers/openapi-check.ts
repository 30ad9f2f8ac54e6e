/**
 * Checks an answer of MercaDream Local against the OpenAPI document: the path and method are
 * described (else the answer must be the document's 404 or 405), the status is one the operation
 * lists, the Content-Type is one it lists, the JSON body matches the schema (ajv, JSON Schema
 * 2020-12 as OpenAPI 3.1 uses it), and every documented header is present when required and
 * matches its schema when present.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { SentResponse } from '../../src/local/response.js';

type Node = Record<string, unknown>;

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** JSON pointer segment escaping (RFC 6901), then URI fragment escaping. */
function segment(name: string): string {
  return encodeURIComponent(name.replaceAll('~', '~0').replaceAll('/', '~1'));
}

function at(node: unknown, key: string): Node | undefined {
  const value = typeof node === 'object' && node !== null ? (node as Node)[key] : undefined;
  return typeof value === 'object' && value !== null ? (value as Node) : undefined;
}

/** A node and its pointer in the document, following one `$ref` to `#/components/...`. */
function follow(document: Node, node: Node, pointer: string): { node: Node; pointer: string } {
  const target = node.$ref;
  if (typeof target !== 'string') return { node, pointer };
  const parts = target.replace(/^#\//, '').split('/');
  let resolved: unknown = document;
  for (const part of parts) resolved = at(resolved, part.replaceAll('~1', '/').replaceAll('~0', '~'));
  if (resolved === undefined) throw new Error(`unresolved $ref ${target}`);
  return { node: resolved as Node, pointer: `/${parts.map((p) => encodeURIComponent(p)).join('/')}` };
}

/** Validates answers against one OpenAPI document. */
export class OpenApiChecker {
  readonly #document: Node;
  readonly #ajv = new Ajv2020({ strict: false, allErrors: true });
  readonly #validators = new Map<string, ValidateFunction>();
  readonly #templates: Array<{ template: string; pattern: RegExp }>;

  /** `document`: the OpenAPI 3.1 document as JSON data; `prefix`: the path of the server URL (`/v2`). */
  constructor(document: Readonly<Record<string, unknown>>, prefix = '/v2') {
    this.#document = document;
    this.#ajv.addFormat('date-time', { type: 'string', validate: (value: string) => ISO_TIME.test(value) && !Number.isNaN(Date.parse(value)) });
    this.#ajv.addFormat('uri', { type: 'string', validate: (value: string) => URL.canParse(value) });
    this.#ajv.addSchema(this.#document, 'openapi.json');
    this.#templates = Object.keys(at(document, 'paths') ?? {}).map((template) => ({
      template,
      pattern: new RegExp(`^${prefix}${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
    }));
  }

  #validator(pointer: string): ValidateFunction {
    let validate = this.#validators.get(pointer);
    if (validate === undefined) {
      validate = this.#ajv.compile({ $ref: `openapi.json#${pointer}` });
      this.#validators.set(pointer, validate);
    }
    return validate;
  }

  #schemaProblems(pointer: string, value: unknown, what: string): string[] {
    const validate = this.#validator(pointer);
    if (validate(value)) return [];
    return (validate.errors ?? []).slice(0, 5).map((e) => `${what}${e.instancePath} ${e.message ?? 'is invalid'} (${e.schemaPath})`);
  }

  /** The response object the document gives for this answer, with its pointer, or a problem. */
  #describedResponse(sent: SentResponse): { node: Node; pointer: string } | string {
    const found = this.#templates.find(({ pattern }) => pattern.test(sent.path));
    const method = sent.method.toLowerCase();
    const operation = found === undefined ? undefined : at(at(at(this.#document, 'paths'), found.template), method);
    if (found === undefined || operation === undefined) {
      // Not an operation of the document: the route's own answer (404, 405), or what the key checks,
      // a fault or a bug answer before routing — each as components.responses gives it.
      const own = found === undefined ? 404 : 405;
      const name = (
        { [own]: own === 404 ? 'NotFound' : 'MethodNotAllowed', 401: 'Unauthorized', 403: 'Forbidden', 429: 'TooManyRequests', 500: 'InternalError' } as Record<number, string>
      )[sent.status];
      const what = found === undefined ? `${sent.path} is not a path of the document` : `${found.template} has no ${sent.method}`;
      return name === undefined ? `${what}, but the answer is ${sent.status}, not ${own}` : follow(this.#document, { $ref: `#/components/responses/${name}` }, '');
    }
    const response = at(at(operation, 'responses'), String(sent.status));
    const pointer = `/paths/${segment(found.template)}/${method}/responses/${sent.status}`;
    if (response === undefined) return `${sent.method} ${found.template} does not describe status ${sent.status}`;
    return follow(this.#document, response, pointer);
  }

  #headerProblems(response: { node: Node; pointer: string }, sent: SentResponse): string[] {
    const problems: string[] = [];
    for (const [name, declared] of Object.entries(at(response.node, 'headers') ?? {})) {
      const header = follow(this.#document, declared as Node, `${response.pointer}/headers/${segment(name)}`);
      const raw = sent.headers[name.toLowerCase()];
      if (raw === undefined) {
        if (header.node.required === true) problems.push(`required header ${name} is missing`);
        continue;
      }
      const text = Array.isArray(raw) ? raw.join(', ') : String(raw);
      const type = at(header.node, 'schema')?.type;
      const value = (type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
      problems.push(...this.#schemaProblems(`${header.pointer}/schema`, value, `header ${name}`));
    }
    return problems;
  }

  #bodyProblems(response: { node: Node; pointer: string }, sent: SentResponse): string[] {
    const content = at(response.node, 'content');
    const contentType = String(sent.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim()
      .toLowerCase();
    if (content === undefined) return sent.body === undefined || sent.body === '' ? [] : ['the answer has a body, but the document describes none'];
    const media = at(content, contentType);
    if (media === undefined) return [`Content-Type ${contentType || '(none)'} is not one of ${Object.keys(content).join(', ')}`];
    if (sent.body === undefined || sent.method === 'HEAD' || at(media, 'schema') === undefined || contentType !== 'application/json') return [];
    let value: unknown;
    try {
      value = JSON.parse(sent.body);
    } catch {
      return ['the body is not JSON'];
    }
    return this.#schemaProblems(`${response.pointer}/content/${segment(contentType)}/schema`, value, 'body');
  }

  /** Problems of `value` against the schema at `pointer` in the document (e.g. `/components/schemas/Job`); empty when it matches. */
  problemsAt(pointer: string, value: unknown): string[] {
    return this.#schemaProblems(
      pointer
        .split('/')
        .map((part) => encodeURIComponent(part))
        .join('/'),
      value,
      'value',
    );
  }

  /** Every way `sent` departs from the document (empty when it is described). */
  check(sent: SentResponse): string[] {
    const response = this.#describedResponse(sent);
    if (typeof response === 'string') return [response];
    return [...this.#headerProblems(response, sent), ...this.#bodyProblems(response, sent)];
  }
}

/** One answer the document does not describe, and why. */
export interface Violation {
  readonly request: string;
  readonly status: number;
  readonly problems: readonly string[];
  /** The start of the body, to see what was sent. */
  readonly body: string;
}

/** Renders violations for an assertion message. */
export function describeViolations(violations: readonly Violation[]): string {
  return violations.map((v) => `${v.request} → ${v.status}: ${v.problems.join('; ')}\n  body: ${v.body}`).join('\n');
}
