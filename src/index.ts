/**
 * mercadream-pipeline as a library. The CLI (`mercadream-pipeline`) is built on these exports.
 */
export * from './api/catalog.js';
