#!/usr/bin/env node
// Entry point for the `mercadream-pipeline` command: the compiled CLI lives in dist/ (built by `npm ci`/`npm run build`).
import { main } from '../dist/cli/main.js';

// Output piped into `head` and the like: stop quietly when the reader goes away.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

process.exitCode = await main(process.argv);
