/** Captions: cutting narration into cues by published subtitle guidelines and timing them from the speech. Pure. */
export * from './settings.js';
export * from './words.js';
export * from './line-break.js';
export * from './timing.js';
export * from './segment.js';
export * from './track.js';
