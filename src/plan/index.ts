/** Production → timeline + DAG of nodes + fingerprints + cost. Pure. */
export * from './timeline.js';
export * from './fingerprint.js';
export * from './dag.js';
export * from './checks.js';
export * from './stitch-plan.js';
