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

// Output piped into `head` and the like: when the reader goes away, the command carries on without
// it (a run still makes its film, records its lock and exits with its own code); what it would
// have printed there is dropped.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return;
    throw error;
  });
}

process.exitCode = await main(process.argv);
