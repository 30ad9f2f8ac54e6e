/**
 * Before anything is spent: every character a film burns into its picture must be drawable by
 * an installed font (src/media/fonts.ts), or its narration gets an error naming the scene and
 * the characters. Films whose captions are sidecars are not checked (the viewer's player draws
 * those with its own fonts).
 */
import type { Diagnostic } from '../manifest/diagnostic.js';
import type { Production, Rendition } from '../manifest/production.js';
import { missingGlyphs, type InstalledFont, type MissingGlyph } from '../media/fonts.js';

/** `“東” (U+6771)`. */
function named(glyph: MissingGlyph): string {
  return `“${glyph.character}” (U+${glyph.codePoint.toString(16).toUpperCase().padStart(4, '0')})`;
}

/** How to get the characters drawn. */
function hintFor(missing: readonly MissingGlyph[]): string {
  const colour = [...new Set(missing.flatMap((m) => m.colourOnly))];
  const colourNote = colour.length > 0 ? `${colour.join(', ')} has some of them, but it is a colour font, which the subtitle renderer (libass) cannot draw; ` : '';
  return `${colourNote}install a font that covers them (Debian: fonts-noto-cjk for Chinese, Japanese and Korean, fonts-noto-core for most other scripts, fonts-symbola for emoji in outline), remove them from the narration, or set output.subtitles: sidecar`;
}

/**
 * The errors of a production whose burned captions hold characters no installed font can draw,
 * one per scene; with `fonts` undefined (no fontconfig), one warning that nothing was checked.
 * Also a warning when the chosen font itself is not installed (fontconfig substitutes another).
 */
export function captionFontDiagnostics(production: Production, fonts: readonly InstalledFont[] | undefined): Diagnostic[] {
  // Every rendition that burns its captions, each font once (renditions may draw in different fonts).
  const burning = production.renditions.filter((r) => r.subtitles === 'burn');
  const byFont = [...new Map(burning.map((r) => [r.captions.font.toLowerCase(), r])).values()];
  const found = byFont.flatMap((r) => renditionFontDiagnostics(production, r, fonts));
  const seen = new Set<string>();
  return found.filter((d) => (seen.has(d.message) ? false : (seen.add(d.message), true)));
}

/** The font check of one rendition's burned captions (its font, and the glyphs of every narration). */
function renditionFontDiagnostics(production: Production, rendition: Rendition, fonts: readonly InstalledFont[] | undefined): Diagnostic[] {
  const source = production.source;
  if (!fonts) {
    return [
      source.diagnostic(
        `${rendition.pointer}/subtitles`,
        'caption-fonts-unchecked',
        'fontconfig (fc-list) is not installed: cannot check that the installed fonts draw every character of the burned captions',
        {
          severity: 'warning',
          hint: 'install fontconfig (Debian: apt-get install fontconfig)',
        },
      ),
    ];
  }
  const out: Diagnostic[] = [];
  const font = rendition.captions.font;
  if (!fonts.some((f) => f.family.toLowerCase() === font.toLowerCase())) {
    out.push(
      source.diagnostic(
        `${rendition.pointer}/captions/font`,
        'caption-font-installed',
        `the caption font \`${font}\` is not installed; fontconfig will draw the captions in a substitute`,
        {
          severity: 'warning',
          hint: 'see `fc-list : family` for the installed families',
        },
      ),
    );
  }
  for (const scene of production.scenes) {
    if (!scene.narration) continue;
    const missing = missingGlyphs(scene.narration.text, fonts);
    if (missing.length === 0) continue;
    const shown = missing.slice(0, 8).map(named).join(', ') + (missing.length > 8 ? ` and ${missing.length - 8} more` : '');
    out.push(
      source.diagnostic(
        scene.narration.pointer,
        'caption-glyphs',
        `scenes[${scene.index}].narration (scene \`${scene.id}\`) has characters no installed font can draw in burned captions: ${shown}`,
        {
          hint: hintFor(missing),
        },
      ),
    );
  }
  return out;
}
