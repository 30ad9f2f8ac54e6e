#!/usr/bin/env node
// Entry point for the `mercadream-pipeline` command. The compiled CLI lives in dist/: the published
// package ships it; a checkout of the source builds it with `npm run build` (or `npm test`).
let main;
try {
  ({ main } = await import('../dist/cli/main.js'));
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !/[\\/]dist[\\/]cli[\\/]main\.js/.test(String(error.message))) throw error;
  process.stderr.write('mercadream-pipeline: dist/ is not built in this checkout; run `npm run build` first\n');
  process.exit(1);
}

// Output piped into `head` and the like: stop quietly when the reader goes away.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

process.exitCode = await main(process.argv);
