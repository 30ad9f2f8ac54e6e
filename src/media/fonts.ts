/**
 * Which characters the installed fonts can draw, from fontconfig (`fc-list`): every font's
 * family, whether it is a colour font, and its character set. libass, which burns captions,
 * falls back through fontconfig to any installed font for a character the chosen font lacks,
 * but draws outlines only: a character found only in a colour bitmap font (Noto Color Emoji's
 * CBDT glyphs) comes out as an empty box. So a character is drawable when some non-colour font
 * covers it.
 */
import { execa } from 'execa';

/** One installed font face as fontconfig lists it. */
export interface InstalledFont {
  readonly family: string;
  /** A colour (bitmap or layered) font: libass cannot draw its glyphs. */
  readonly color: boolean;
  /** Covered code points as inclusive ranges, ascending. */
  readonly ranges: ReadonlyArray<readonly [number, number]>;
}

/** A character of a text that no drawable installed font covers. */
export interface MissingGlyph {
  readonly character: string;
  readonly codePoint: number;
  /** Colour fonts that have it (libass cannot draw them). */
  readonly colourOnly: readonly string[];
}

/** The fc-list output format: family, colour flag, charset, one font per line. */
export const FC_LIST_FORMAT = '%{family[0]}\\t%{color}\\t%{charset}\\n';

/** Pure: fonts from `fc-list --format FC_LIST_FORMAT` output. */
export function parseFcList(stdout: string): InstalledFont[] {
  return stdout
    .split('\n')
    .filter((line) => line.includes('\t'))
    .map((line) => {
      const [family = '', color = '', charset = ''] = line.split('\t');
      const ranges = charset
        .split(/\s+/)
        .filter(Boolean)
        .map((r): [number, number] => {
          const [a = '0', b = a] = r.split('-');
          return [parseInt(a, 16), parseInt(b, 16)];
        })
        .filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
      return { family, color: /^true$/i.test(color), ranges };
    });
}

/** Pure: true when `font` has `codePoint`. */
export function fontHas(font: InstalledFont, codePoint: number): boolean {
  let low = 0;
  let high = font.ranges.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const [a, b] = font.ranges[mid]!;
    if (codePoint < a) high = mid - 1;
    else if (codePoint > b) low = mid + 1;
    else return true;
  }
  return false;
}

/** Characters nobody draws: spaces, format characters (joiners, marks of direction) and variation selectors. */
const INVISIBLE = /[\s\p{Cf}\p{Cc}\u{fe00}-\u{fe0f}\u{e0100}-\u{e01ef}]/u;

/** Pure: the distinct characters of `text` that no drawable font among `fonts` covers, in order of appearance. */
export function missingGlyphs(text: string, fonts: readonly InstalledFont[]): MissingGlyph[] {
  const drawable = fonts.filter((f) => !f.color);
  const seen = new Set<number>();
  const missing: MissingGlyph[] = [];
  for (const character of text) {
    const codePoint = character.codePointAt(0)!;
    if (seen.has(codePoint) || INVISIBLE.test(character)) continue;
    seen.add(codePoint);
    if (drawable.some((f) => fontHas(f, codePoint))) continue;
    const colourOnly = [...new Set(fonts.filter((f) => f.color && fontHas(f, codePoint)).map((f) => f.family))];
    missing.push({ character, codePoint, colourOnly });
  }
  return missing;
}

/** A sample character of each writing system, for `doctor`. */
export const SCRIPT_SAMPLES: ReadonlyArray<readonly [string, string]> = [
  ['Latin', 'Aé'],
  ['Greek', 'Ωα'],
  ['Cyrillic', 'Жд'],
  ['Arabic', 'بع'],
  ['Hebrew', 'אש'],
  ['Devanagari', 'कष'],
  ['Thai', 'กข'],
  ['Chinese (Han)', '漢字'],
  ['Japanese kana', 'あア'],
  ['Korean (Hangul)', '한글'],
  ['Emoji (outline)', '😀☀'],
];

/** Pure: for each sample script, the drawable families covering all its samples (and colour families, for emoji). */
export function scriptCoverage(fonts: readonly InstalledFont[]): Array<{ script: string; families: string[]; colour: string[] }> {
  const covers = (f: InstalledFont, sample: string) => [...sample].every((c) => fontHas(f, c.codePointAt(0)!));
  return SCRIPT_SAMPLES.map(([script, sample]) => ({
    script,
    families: [...new Set(fonts.filter((f) => !f.color && covers(f, sample)).map((f) => f.family))],
    colour: [...new Set(fonts.filter((f) => f.color && covers(f, sample)).map((f) => f.family))],
  }));
}

/**
 * The installed fonts, as fontconfig (FONTCONFIG_FILE and the rest of `env`) lists them;
 * undefined when `fc-list` is not installed or fails.
 */
export async function installedFonts(env: Readonly<Record<string, string | undefined>> = process.env): Promise<InstalledFont[] | undefined> {
  const result = await execa('fc-list', ['--format', FC_LIST_FORMAT], {
    reject: false,
    stdin: 'ignore',
    timeout: 30_000,
    env,
    extendEnv: false,
  });
  if (result.failed) return undefined;
  return parseFcList(String(result.stdout ?? ''));
}
