/**
 * Narration may not hold control characters (C0 but newline and tab, DEL, C1, NUL): a player
 * drops or mangles them, a NUL silently empties a burned subtitle, and sidecars must not carry
 * them. The rule points at the character itself, written raw or as a YAML escape (`"\0"`,
 * `"\x07"`, `"\u0085"`, `"\N"`). Pure.
 */
import type { Diagnostic } from './diagnostic.js';
import type { ManifestData } from './normalize.js';
import type { Production } from './production.js';
import type { ManifestSource } from './source.js';

/** C0 controls other than tab and newline, DEL and C1 controls. */
export const CONTROL_CHARACTER = /[\u0000-\u0008\u000b-\u001f\u007f-\u0084\u0086-\u009f\u0085]/u;

/** What YAML's double-quoted escapes stand for, for the ones that make control characters. */
const SINGLE_ESCAPES: Readonly<Record<string, number>> = { '0': 0, a: 7, b: 8, e: 0x1b, f: 0x0c, v: 0x0b, r: 0x0d, N: 0x85 };
const HEX_LENGTH: Readonly<Record<string, number>> = { x: 2, u: 4, U: 8 };

/** The code point and length of the escape at `text[i]` (a backslash), inside a double-quoted scalar. */
function escapeAt(text: string, i: number): { code: number | undefined; length: number } {
  const kind = text[i + 1] ?? '';
  const hex = HEX_LENGTH[kind];
  if (hex !== undefined) return { code: parseInt(text.slice(i + 2, i + 2 + hex), 16), length: 2 + hex };
  return { code: SINGLE_ESCAPES[kind], length: 2 };
}

/**
 * Offsets [start, end) of the first control character in a scalar's source text `raw` (its first
 * offset `base`); undefined when the source shows none (then the value's own range is used).
 */
export function controlCharacterOffsets(raw: string, base: number): readonly [number, number] | undefined {
  const quoted = raw.startsWith('"');
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (quoted && c === '\\') {
      const { code, length } = escapeAt(raw, i);
      if (code !== undefined && CONTROL_CHARACTER.test(String.fromCodePoint(code))) return [base + i, base + i + length];
      i += length - 1;
    } else if (c !== '\r' && CONTROL_CHARACTER.test(c)) return [base + i, base + i + 1];
  }
  return undefined;
}

/** `U+0000 (NUL)`-style name of a control character. */
function describe(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  const names: Record<number, string> = { 0: 'NUL', 7: 'BEL', 8: 'BS', 0x0b: 'VT', 0x0c: 'FF', 0x0d: 'CR', 0x1b: 'ESC', 0x7f: 'DEL', 0x85: 'NEL' };
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}${names[code] ? ` (${names[code]})` : ''}`;
}

/** One error per narration holding a control character, at the character. */
function checkNarrationText(p: Production, source: ManifestSource): Diagnostic[] {
  return p.scenes.flatMap((scene) => {
    const narration = scene.narration;
    const found = narration?.text.match(CONTROL_CHARACTER);
    if (!narration || !found) return [];
    const pointer = source.range(`${narration.pointer}/text`) ? `${narration.pointer}/text` : narration.pointer;
    const range = source.range(pointer);
    const at = range ? controlCharacterOffsets(source.text.slice(range[0], range[1]), range[0]) : undefined;
    return [
      source.diagnostic(pointer, 'narration-control-character', `scenes[${scene.index}].narration (scene \`${scene.id}\`) holds the control character ${describe(found[0])}`, {
        hint: 'remove it: captions and speech cannot show control characters (newlines and tabs are fine)',
        ...(at ? { at } : {}),
      }),
    ];
  });
}

/** The rule: narration text holds no control characters. */
export const narrationHasNoControlCharacters = {
  name: 'narration-control-character',
  check(p: Production, _data: ManifestData): Diagnostic[] {
    return checkNarrationText(p, p.source);
  },
};
