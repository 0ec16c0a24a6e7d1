// Bundles the extension client, the language server, the CLI and the webviews into dist/.
// `--production` minifies and copies the native addons the server needs into dist/node_modules,
// so the .vsix carries exactly what runs (see .vscodeignore).
import * as esbuild from 'esbuild';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ensureNative } from './scripts/native.mjs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const require = createRequire(import.meta.url);

/** Native packages: kept external (they load .node binaries relative to their own folder). */
export const NATIVE_PACKAGES = [
  'tree-sitter',
  'tree-sitter-python',
  '@derekstride/tree-sitter-sql',
  'tree-sitter-java',
  'tree-sitter-scala',
  'tree-sitter-typescript',
  'tree-sitter-javascript',
  '@tree-sitter-grammars/tree-sitter-yaml',
  'hnswlib-node',
];
/** Small pure-JS helpers the native packages require at run time. */
const NATIVE_HELPERS = ['node-gyp-build', 'bindings', 'file-uri-to-path'];

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  minify: production,
  logLevel: 'warning',
  external: ['vscode', ...NATIVE_PACKAGES],
  tsconfig: 'tsconfig.json',
  outdir: 'dist',
  // The version lives in package.json only: server/src/shared/version.ts reads it from here.
  define: { __DAGLENS_VERSION__: JSON.stringify(JSON.parse(readFileSync('package.json', 'utf8')).version) },
};

const builds = [
  { ...common, entryPoints: { client: 'client/src/extension.ts' } },
  { ...common, entryPoints: { server: 'server/src/lsp/main.ts' } },
  { ...common, entryPoints: { cli: 'server/src/cli/main.ts' }, banner: { js: '#!/usr/bin/env node' } },
  // The index's worker threads (parse + chunk + embed) load this file from beside server.js / cli.js.
  { ...common, entryPoints: { 'index-worker': 'server/src/engine/index/worker.ts' } },
  ...webviewBuilds(),
];

/** The webview pages (media/src/*): browser bundles in dist/webview/. */
function webviewBuilds() {
  // The pages import only the protocol's zod modules (@daglens/protocol/webview), never its LSP message types.
  return [
    {
      bundle: true,
      platform: 'browser',
      format: 'iife',
      target: 'es2022',
      sourcemap: !production,
      minify: production,
      logLevel: 'warning',
      tsconfig: 'tsconfig.json',
      entryPoints: { chat: 'media/src/chat/main.ts', graph: 'media/src/graph/main.ts' },
      outdir: 'dist/webview',
    },
  ];
}

/** Static webview assets: the codicon font. */
function copyWebviewAssets() {
  const codicons = path.dirname(require.resolve('@vscode/codicons/package.json'));
  mkdirSync('dist/media/codicons', { recursive: true });
  for (const f of ['codicon.css', 'codicon.ttf'])
    cpSync(path.join(codicons, 'dist', f), path.join('dist/media/codicons', f));
  mkdirSync('dist/webview', { recursive: true });
}

// What a native package needs at run time is its package.json, its run-time JS and one binary for this
// platform; everything else (C sources, grammar definitions, queries, wasm, other platforms, tests) is left out.
const DEV_DIRS = new Set([
  'node_modules',
  'src',
  'test',
  'tests',
  'examples',
  'queries',
  'vendor',
  'script',
  'scripts',
  'common',
  'obj.target',
  '.deps',
]);
const DEV_FILES = /^(grammar\.js|binding_test\.js|build-test\.js|bin\.js)$/;

/** Copies one package into dist/node_modules, keeping only what runs (see above). */
function copyPackage(name, into) {
  const src = path.dirname(require.resolve(`${name}/package.json`));
  const dest = path.join(into, name);
  // node-gyp-build loads build/Release before prebuilds/, so ship whichever it will pick, not both.
  const builtHere =
    existsSync(path.join(src, 'build/Release')) &&
    readdirSync(path.join(src, 'build/Release')).some((f) => f.endsWith('.node'));
  const binaryDir = builtHere ? ['build', 'Release'] : ['prebuilds', `${process.platform}-${process.arch}`];
  cpSync(src, dest, {
    recursive: true,
    filter: (p) => {
      const rel = path.relative(src, p).split(path.sep);
      if (rel[0] === '') return true;
      if (rel.some((part) => DEV_DIRS.has(part))) return false;
      if (rel[0] === 'build' || rel[0] === 'prebuilds') {
        // Descend only along the chosen binary folder, and take only its .node files.
        if (!binaryDir.slice(0, rel.length).every((d, i) => d === rel[i])) return false;
        return rel.length <= binaryDir.length || (rel.length === binaryDir.length + 1 && p.endsWith('.node'));
      }
      if (statSync(p).isDirectory()) return true;
      const base = rel[rel.length - 1];
      return base === 'package.json' || (base.endsWith('.js') && !DEV_FILES.test(base));
    },
  });
}

function copyNatives() {
  // Copy next to it, then swap: a server started from dist/ meanwhile never sees a half-copied tree for long.
  rmSync('dist/node_modules.next', { recursive: true, force: true });
  for (const n of [...NATIVE_PACKAGES, ...NATIVE_HELPERS])
    if (existsSync(`node_modules/${n}`)) copyPackage(n, 'dist/node_modules.next');
  rmSync('dist/node_modules', { recursive: true, force: true });
  renameSync('dist/node_modules.next', 'dist/node_modules');
}

function sizeOf(dir) {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    total += e.isDirectory() ? sizeOf(p) : statSync(p).size;
  }
  return total;
}

ensureNative({ quiet: true });
mkdirSync('dist', { recursive: true });
copyWebviewAssets();
if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
  console.log('[esbuild] watching…');
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  if (production) {
    copyNatives();
    console.log(
      `[esbuild] production build; native addons in dist/node_modules: ${(sizeOf('dist/node_modules') / 1e6).toFixed(1)} MB`,
    );
  }
}
