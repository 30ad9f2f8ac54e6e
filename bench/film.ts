// The film the request and rerun benches make: `scenes` generated 720p scenes of 4–6 s joined by
// 0.5 s dissolves, every third narrated, under one score cue, on the regular plan.

/**
 * The manifest's text.
 * @param prompt the prompt of scene `i`
 * @param narration the narration of scene `i` (asked for every third scene)
 * @param score the score cue's prompt
 */
export function benchFilm(scenes: number, prompt: (i: number) => string, narration: (i: number) => string, score: string): string {
  const lines = [
    'version: 1',
    'plan: regular',
    'output: { path: out/bench.mp4, resolution: 720p, fps: 24 }',
    'defaults: { transition: { type: dissolve, duration: 0.5 } }',
    'scenes:',
  ];
  for (let i = 0; i < scenes; i++) lines.push(`  - { id: s${i}, prompt: "${prompt(i)}", duration: ${4 + (i % 3)}${i % 3 === 0 ? `, narration: "${narration(i)}"` : ''} }`);
  lines.push('score:', `  - { prompt: ${score}, bpm: 90 }`);
  return `${lines.join('\n')}\n`;
}
