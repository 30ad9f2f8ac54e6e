/**
 * A production's review page: what shipped, scannable in a minute. The player with its caption
 * track; the QC verdicts, coloured, each linking to its moment; a contact sheet of a still per
 * scene and per transition; the timeline lanes; the loudness graph; the cost. Pure: data in, a
 * hast tree out (every text from a manifest is a text node or attribute, escaped on output).
 */
import { basename } from 'node:path';
import type { Element, Root } from 'hast';
import { h } from 'hastscript';
import type { QcFilm } from '../qc/film.js';
import type { LoudnessPoint } from '../qc/detector-log.js';
import { byStatusWorstFirst, countVerdicts, formatSpan, type QcSummary, type Verdict } from '../qc/verdict.js';
import type { RunSummary } from '../runner/events.js';
import { SCRIPT, STYLE } from './assets.js';
import { timelineLanes } from './lanes.js';
import { loudnessGraph } from './loudness-graph.js';

/** A still for the contact sheet, as a `data:` URL (so the page is one file). */
export interface SheetStill {
  readonly kind: 'scene' | 'transition';
  readonly label: string;
  readonly t: number;
  readonly src: string;
}

/** What the page shows. */
export interface FilmPageInput {
  readonly name: string;
  readonly film: QcFilm;
  readonly summary: RunSummary;
  /** The cut's address relative to the page (it sits beside it). */
  readonly video: string;
  /** The caption track as a `data:` URL (a file:// page may not load a track from another file). */
  readonly captions?: string;
  readonly qc?: QcSummary;
  readonly stills: readonly SheetStill[];
  readonly loudness: readonly LoudnessPoint[];
}

/** A status badge (`none` when QC did not run). */
export function badge(status: string): Element {
  return h('span', { className: ['badge', status] }, status === 'none' ? 'no QC' : status.toUpperCase());
}

const seconds = (t: number) => `${t.toFixed(2)} s`;

/** The whole page. */
export function filmPage(input: FilmPageInput): Root {
  const { film, summary, qc } = input;
  const status = qc?.status ?? 'none';
  const body = [
    h('header', { className: [status] }, [
      h('h1', [film.title, ' ', badge(status)]),
      h('p', { className: ['meta'] }, `${input.name} · ${seconds(film.length)} · ${film.width}×${film.height} at ${film.fps} fps · target ${film.loudness} LUFS`),
    ]),
    player(input),
    h('h2', 'Quality control'),
    qc ? verdictTable(qc.verdicts) : h('p', 'No quality control in this run (--qc off, or the cut could not be measured).'),
    h('h2', 'Contact sheet'),
    h(
      'div',
      { className: ['sheet'] },
      input.stills.map((still) =>
        h('figure', { className: [still.kind], dataT: still.t.toFixed(2) }, [
          h('img', { src: still.src, alt: `${still.kind} ${still.label}` }),
          h('figcaption', `${still.label} · ${seconds(still.t)}`),
        ]),
      ),
    ),
    h('h2', 'Timeline'),
    timelineLanes(film, qc?.verdicts ?? []),
    h('h2', 'Loudness'),
    input.loudness.length > 0 ? loudnessGraph(input.loudness, film.loudness, film.thresholds.loudness.tolerance, film.length) : h('p', 'Not measured.'),
    h('h2', 'Cost'),
    costTable(summary),
    h('script', SCRIPT),
  ];
  return document(`${film.title} — review`, body);
}

/** A complete HTML document around `body`. */
export function document(title: string, body: Element[]): Root {
  return {
    type: 'root',
    children: [
      { type: 'doctype' },
      h('html', { lang: 'en' }, [
        h('head', [h('meta', { charset: 'utf-8' }), h('meta', { name: 'viewport', content: 'width=device-width, initial-scale=1' }), h('title', title), h('style', STYLE)]),
        h('body', body),
      ]),
    ],
  };
}

function player(input: FilmPageInput): Element {
  const track = input.captions ? [h('track', { kind: 'captions', srcLang: 'en', label: 'Captions', src: input.captions, default: true })] : [];
  return h('video', { controls: true, preload: 'none', src: input.video, ...(input.stills[0] ? { poster: input.stills[0].src } : {}) }, track);
}

/** The verdicts, failures first, each with a link to its moment. */
export function verdictTable(verdicts: readonly Verdict[]): Element {
  const counts = countVerdicts(verdicts);
  const sorted = [...verdicts].sort((a, b) => byStatusWorstFirst(a.status, b.status));
  const value = (x: number | string, unit: string) => `${typeof x === 'number' ? Math.round(x * 100) / 100 : x}${unit ? ` ${unit}` : ''}`;
  return h('div', [
    h('p', `${counts.fail} failed, ${counts.warn} warnings, ${counts.pass} passed`),
    h('table', { className: ['verdicts'] }, [
      h(
        'thead',
        h(
          'tr',
          ['', 'check', 'measured', 'limit', 'where', 'scene', 'what'].map((c) => h('th', c)),
        ),
      ),
      h(
        'tbody',
        sorted.map((v) =>
          h('tr', { className: ['verdict', v.status] }, [
            h('td', badge(v.status)),
            h('td', v.check),
            h('td', value(v.measured, v.unit)),
            h('td', value(v.threshold, v.unit)),
            h('td', v.span ? h('a', { href: `#t=${v.span.start.toFixed(2)}`, dataT: v.span.start.toFixed(2) }, formatSpan(v.span)) : ''),
            h('td', v.scene ?? ''),
            h('td', `${v.message}${v.file ? ` (${v.file})` : ''}`),
          ]),
        ),
      ),
    ]),
  ]);
}

function costTable(summary: RunSummary): Element {
  const rows: Array<[string, string]> = [
    ['compute units spent', String(summary.computeUnits)],
    ['assets generated', String(summary.generated)],
    ['assets cached', String(summary.cached)],
    ['fetched again from the Vault', String(summary.refetched)],
    ['API requests', String(summary.requests)],
    ['final cut', summary.cutUpToDate ? 'up to date, not rendered again' : 'rendered in this run'],
    // Every rendition's file, named as the page sits beside them (the page shows the first).
    ...(summary.renditions ?? []).map((r): [string, string] => [
      `rendition ${r.name} (${r.width}x${r.height})`,
      `${basename(r.output)}${r.cutUpToDate ? ', up to date' : ', rendered in this run'}`,
    ]),
    ...(summary.assets ?? []).map((a): [string, string] => [a.node, `${a.via}${a.attempt > 1 ? ` (attempt ${a.attempt})` : ''}`]),
  ];
  return h(
    'table',
    { className: ['cost'] },
    h(
      'tbody',
      rows.map(([k, v]) => h('tr', [h('td', k), h('td', v)])),
    ),
  );
}
