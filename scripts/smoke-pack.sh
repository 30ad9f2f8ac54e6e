#!/usr/bin/env bash
# The package as a user gets it: pack the tarball npm would publish, check what it carries,
# install it into a temporary prefix (as `npm install -g` does), and from an unrelated folder run
# the installed command: --version, doctor, init, validate, and run (offline: the embedded
# MercaDream Local, no API key). Needs ffmpeg/ffprobe on PATH and the npm registry for the
# package's dependencies. Usage: bash scripts/smoke-pack.sh   (exit 0 when everything worked)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/mdp-smoke.XXXXXX")"
trap 'rm -rf "$work"' EXIT
step() { printf 'smoke: %s\n' "$*" >&2; }
fail() { printf 'smoke: FAILED: %s\n' "$*" >&2; exit 1; }

cd "$root"
version="$(node -p "require('./package.json').version")"

step "packing (prepack builds dist/)"
tarball="$work/$(npm pack --silent --pack-destination "$work" | tail -n 1)"
[ -f "$tarball" ] || fail "npm pack made no tarball"

step "checking the tarball's contents"
tar -tzf "$tarball" | sed 's#^package/##' | sort >"$work/contents"
for needed in LICENSE README.md package.json bin/mercadream-pipeline.js dist/index.js dist/index.d.ts dist/cli/main.js \
  schemas/film.schema.json schemas/report.schema.json schemas/lock.schema.json schemas/junit.xsd docs/local.md examples/neon-tokyo.yaml; do
  grep -qx "$needed" "$work/contents" || fail "the tarball lacks $needed"
done
if grep -E '^(src|test|bench|\.build|\.ci|scripts)/|(^|/)\.mercadream/|^examples/out/|\.lock\.json$|\.tsbuildinfo$' "$work/contents"; then
  fail "the tarball carries files users do not need (above)"
fi
mkdir "$work/unpacked"
tar -xzf "$tarball" -C "$work/unpacked"
node --input-type=module - "$work/unpacked/package" <<'EOF'
// Installing runs nothing of ours; every source map carries its sources; the license is the one package.json names.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
const dir = process.argv[2];
const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
const hooks = ['preinstall', 'install', 'postinstall', 'prepare'].filter((h) => pkg.scripts?.[h]);
if (hooks.length) throw new Error(`package.json runs scripts at install: ${hooks.join(', ')}`);
if (pkg.license !== 'MIT' || !readFileSync(join(dir, 'LICENSE'), 'utf8').startsWith('MIT License')) throw new Error('LICENSE does not match package.json');
const maps = readdirSync(join(dir, 'dist'), { recursive: true }).filter((f) => String(f).endsWith('.map'));
for (const file of maps) {
  const map = JSON.parse(readFileSync(join(dir, 'dist', String(file)), 'utf8'));
  if (!Array.isArray(map.sourcesContent) || map.sourcesContent.length !== map.sources.length || map.sourcesContent.some((s) => typeof s !== 'string'))
    throw new Error(`dist/${file} points at sources the package does not ship`);
}
console.error(`smoke: ${maps.length} source maps carry their sources; no install scripts`);
EOF

step "installing the tarball into a temporary prefix"
npm install --global --prefix "$work/prefix" "$tarball" --no-audit --no-fund --prefer-offline --loglevel=error >&2
bin="$work/prefix/bin/mercadream-pipeline"
[ -x "$bin" ] || fail "the install made no mercadream-pipeline command"

# From a folder that has nothing to do with this checkout, with no API key and no project node_modules.
mkdir "$work/elsewhere"
cd "$work/elsewhere"
mdp() { env -u MERCADREAM_API_KEY -u MERCADREAM_BASE_URL -u NODE_PATH "$bin" "$@"; }

step "--version"
[ "$(mdp --version)" = "$version" ] || fail "--version does not print $version"

step "doctor"
mdp doctor >&2 || fail "doctor found something missing"

step "init my-film"
mdp init my-film >&2
[ -f my-film/film.yaml ] && [ -f my-film/.gitignore ] || fail "init wrote no film.yaml/.gitignore"
schema="$(head -n 1 my-film/film.yaml | sed -n 's/^# yaml-language-server: \$schema=//p')"
[ -n "$schema" ] && [ -f "my-film/$schema" ] || fail "the modeline's schema ($schema) does not resolve from my-film/"
cmp -s "my-film/$schema" "$work/unpacked/package/schemas/film.schema.json" || fail "the modeline points at another schema than the package's"

step "validate my-film/film.yaml"
mdp validate my-film/film.yaml >&2

step "run my-film/film.yaml (MercaDream Local, offline)"
mdp run my-film/film.yaml --local-quality fast >&2
[ -s my-film/out/film.mp4 ] || fail "run made no final cut"
[ -s my-film/film.lock.json ] || fail "run wrote no lock file"
length="$(ffprobe -v error -show_entries format=duration -of csv=p=0 my-film/out/film.mp4)"
node -e "process.exit(Math.abs(Number(process.argv[1]) - 5.5) < 0.1 ? 0 : 1)" "$length" || fail "the final cut is $length s, not the 5.5 s the starter film asks for"

step "ok: the packed tarball installs and runs from an unrelated folder ($(du -h "$tarball" | cut -f1) tarball)"
