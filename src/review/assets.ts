/**
 * The review pages' own style sheet and script, inlined into each page so it works opened from
 * disk, offline, without a server. The script only makes `[data-t]` elements seek the player.
 */

/** The style sheet (system fonts; colours: fail red, warn amber, pass green). */
export const STYLE = `
:root { font: 14px/1.4 system-ui, sans-serif; color: #1d1d1f; background: #f6f6f4; }
body { margin: 0 auto; max-width: 1100px; padding: 16px; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 20px 0 8px; }
.meta { color: #555; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-weight: 600; color: #fff; }
.fail .badge, .badge.fail { background: #c62828; } .warn .badge, .badge.warn { background: #b26a00; } .pass .badge, .badge.pass { background: #2e7d32; }
.none .badge, .badge.none { background: #777; }
video { width: 100%; max-height: 420px; background: #000; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e2e2e2; vertical-align: top; }
tr.fail td { background: #fdecea; } tr.warn td { background: #fff4e0; }
.sheet { display: flex; flex-wrap: wrap; gap: 8px; }
.sheet figure { margin: 0; background: #fff; padding: 4px; border: 1px solid #ddd; cursor: pointer; }
.sheet figure.transition { border-style: dashed; }
.sheet img { display: block; width: 192px; height: auto; }
.sheet figcaption { font-size: 12px; color: #444; max-width: 192px; overflow-wrap: anywhere; }
svg { width: 100%; height: auto; background: #fff; border: 1px solid #ddd; }
svg text { font-size: 11px; fill: #222; } .lane-name { font-weight: 600; }
.tick { stroke: #eee; } .tick-label { fill: #777; font-size: 10px; }
.seek { cursor: pointer; }
.scene-0 rect { fill: #90caf9; } .scene-1 rect { fill: #64b5f6; }
.transition rect { fill: #ce93d8; } .transition.fadeblack rect { fill: #424242; }
.narration rect { fill: #a5d6a7; } .cue rect { fill: #ffe082; } .duck rect { fill: #ffb300; }
.finding.fail rect { fill: #e53935; } .finding.warn rect { fill: #fb8c00; }
.grid { stroke: #eee; } .band { fill: #c8e6c9; opacity: .6; } .target { stroke: #2e7d32; stroke-dasharray: 6 4; }
.momentary { fill: none; stroke: #90a4ae; stroke-width: 1; } .short-term { fill: none; stroke: #1565c0; stroke-width: 2.5; }
.cost td:first-child { width: 40%; }
`;

/** Seeks the page's player to an element's `data-t` (seconds) on click or Enter. */
export const SCRIPT = `
(function () {
  var video = document.querySelector('video');
  function seek(event) {
    var el = event.target.closest('[data-t]');
    if (!el || !video) return;
    event.preventDefault();
    video.currentTime = Number(el.getAttribute('data-t'));
    video.scrollIntoView({ block: 'nearest' });
  }
  document.addEventListener('click', seek);
  document.addEventListener('keydown', function (event) { if (event.key === 'Enter') seek(event); });
})();
`;
