/** Quality control of final cuts: the pure part (limits, detector logs, verdicts). */
export * from './verdict.js';
export * from './thresholds.js';
export * from './film.js';
export * from './detector-log.js';
export * from './picture-checks.js';
export * from './sound-checks.js';
export * from './stream-checks.js';
export * from './caption-checks.js';
export * from './judge.js';
export * from './posters.js';
