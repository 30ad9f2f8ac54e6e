// The editor's view: yaml-language-server (what VS Code's YAML extension runs), driven over
// stdio as an editor drives it, offline (no schema store), reads the modeline `init` writes,
// loads the package's film.schema.json and reports a broken manifest's problems on the lines
// this tool reports them, with the schema's friendly pattern message.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, test } from 'node:test';
import { execa } from 'execa';
import { compileManifest } from '../../src/manifest/index.js';
import { LspClient, type LspMessage } from '../helpers/lsp.js';
import { BIN } from '../helpers/project.js';
import { tempDir } from '../helpers/temp.js';

const SERVER = createRequire(import.meta.url).resolve('yaml-language-server/bin/yaml-language-server');

/** The editor settings: validation on, and nothing fetched from the network. */
const SETTINGS = { yaml: { validate: true, hover: true, completion: true, schemaStore: { enable: false }, schemas: {} } };

interface LspDiagnostic {
  readonly range: { start: { line: number; character: number } };
  readonly message: string;
  readonly severity?: number;
}

/** A manifest with four problems (and a `fade`, which is valid), under the modeline init wrote. */
function broken(modeline: string): string {
  return `${modeline}
version: 1
output:
  path: out/film.avi
  fps: 25
scenes:
  - id: "first scene"
    prompt: Rain over the harbor
    narraton: Hello.
    transition: { type: fade, duration: 0.5 }
  - prompt: Sun
    duration: -3
`;
}

describe('yaml-language-server with the shipped schema', () => {
  const dir = tempDir('mdp-lsp-');
  const server = new LspClient(process.execPath, [SERVER, '--stdio'], (method, params) =>
    method === 'workspace/configuration' ? (params as { items: Array<{ section?: string }> }).items.map((i) => (i.section === 'yaml' ? SETTINGS.yaml : null)) : null,
  );
  after(() => server.close());

  test('reports a broken manifest at the lines the tool does, with the friendly pattern message', { timeout: 60_000 }, async () => {
    const init = await execa(process.execPath, [BIN, 'init', dir], { reject: false });
    assert.equal(init.exitCode, 0, init.stderr);
    const file = join(dir, 'film.yaml');
    const modeline = readFileSync(file, 'utf8').split('\n')[0]!;
    const text = broken(modeline);
    writeFileSync(file, text);
    const uri = pathToFileURL(file).href;

    await server.request('initialize', {
      processId: process.pid,
      rootUri: pathToFileURL(dir).href,
      workspaceFolders: [{ uri: pathToFileURL(dir).href, name: 'film' }],
      capabilities: { workspace: { configuration: true }, textDocument: { publishDiagnostics: {} } },
    });
    server.notify('initialized', {});
    server.notify('workspace/didChangeConfiguration', { settings: SETTINGS });
    server.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: 1, text } });

    const published = await server.waitFor((m: LspMessage) => {
      const p = m.params as { uri?: string; diagnostics?: unknown[] } | undefined;
      return m.method === 'textDocument/publishDiagnostics' && p?.uri === uri && (p.diagnostics?.length ?? 0) > 0;
    }, 30_000);
    const diagnostics = (published.params as { diagnostics: LspDiagnostic[] }).diagnostics;
    const at = (line: number) => diagnostics.filter((d) => d.range.start.line + 1 === line).map((d) => d.message);

    // The friendly messages the schema carries for editors, not a regular expression.
    assert.ok(at(4).includes('must end in .mp4, .mov or .mkv'), JSON.stringify(diagnostics));
    assert.ok(
      at(7).some((m) => m.startsWith('must contain only letters, digits')),
      JSON.stringify(diagnostics),
    );
    assert.ok(
      at(9).some((m) => /narraton/.test(m)),
      JSON.stringify(diagnostics),
    );
    assert.deepEqual(at(10), [], '`fade` is a transition the schema accepts');
    assert.deepEqual(at(1), [], 'the schema was found and loaded (no "unable to load schema" on the modeline)');

    // Every line the tool itself reports, the editor marks too.
    const ours = compileManifest('film.yaml', text, { baseDir: dir, fileExists: () => true }).diagnostics.map((d) => d.line);
    assert.deepEqual(ours, [4, 5, 7, 9, 12]);
    for (const line of ours) assert.ok(at(line).length > 0, `line ${line}: ${JSON.stringify(diagnostics)}`);
  });
});
