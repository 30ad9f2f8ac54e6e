/**
 * A request the API rejected (400 with `param`), pointed at the manifest place it came from:
 * `clip:<scene>`'s `prompt` is the scene's prompt, `speech:<scene>`'s `text` its narration,
 * `music:<cue>`'s `bpm` the cue's bpm, and the output settings for resolution and fps.
 */
import type { Diagnostic } from '../manifest/diagnostic.js';
import type { Production } from '../manifest/production.js';
import type { RunFailure } from './failure.js';

/** Where each request parameter comes from in the manifest, relative to the node's subject. */
const FIELD_OF_PARAM: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  clip: { prompt: 'prompt', style: 'style', duration: 'duration' },
  speech: { text: 'narration', voice_id: 'narration', speed: 'narration' },
  music: { prompt: 'prompt', bpm: 'bpm', duration: '' },
};

/** Request parameters set by the manifest's `output:` block. */
const OUTPUT_PARAM: Readonly<Record<string, string>> = { resolution: '/output/resolution', fps: '/output/fps' };

/** The diagnostic of a rejected request, or undefined when its node is not the manifest's. */
export function requestDiagnostic(production: Production, failure: Extract<RunFailure, { reason: 'request-rejected' }>): Diagnostic | undefined {
  const [kind, rest] = splitNode(failure.node);
  const subject = kind === 'music' ? production.score.find((c) => c.id === rest.replace(/#\d+$/, '')) : production.scenes.find((s) => s.id === rest);
  if (!subject) return undefined;
  const param = failure.param ?? '';
  const field = FIELD_OF_PARAM[kind]?.[param];
  const pointer = OUTPUT_PARAM[param] ?? (field ? `${subject.pointer}/${field}` : subject.pointer);
  const message = `the API rejected ${failure.node}${param ? ` (parameter \`${param}\`)` : ''}: ${failure.message}`;
  return production.source.diagnostic(pointer, 'api-rejected', message, { hint: 'change the manifest here; a rerun will not send the same request again until it changes' });
}

function splitNode(node: string): [string, string] {
  const colon = node.indexOf(':');
  return colon < 0 ? [node, ''] : [node.slice(0, colon), node.slice(colon + 1)];
}
