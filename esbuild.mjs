// Bundles the extension client, the language server, the CLI and the webviews into dist/.
// `--production` minifies and copies the native addons the server needs into dist/node_modules,
// so the .vsix carries exactly what runs (see .vscodeignore).
import * as esbuild from 'esbuild';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ensureNative } from './scripts/native.mjs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const require = createRequire(import.meta.url);

/** Native packages: kept external (they load .node binaries relative to their own folder). */
export const NATIVE_PACKAGES = [
  'tree-sitter', 'tree-sitter-python', '@derekstride/tree-sitter-sql', 'tree-sitter-java', 'tree-sitter-scala',
  'tree-sitter-typescript', 'tree-sitter-javascript', '@tree-sitter-grammars/tree-sitter-yaml', 'hnswlib-node',
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
};

const builds = [
  { ...common, entryPoints: { client: 'client/src/extension.ts' } },
  { ...common, entryPoints: { server: 'server/src/lsp/main.ts' } },
  { ...common, entryPoints: { cli: 'server/src/cli/main.ts' }, banner: { js: '#!/usr/bin/env node' } },
];

/** Copies a package without sources, tests and other platforms' binaries. */
function copyPackage(name) {
  const src = path.dirname(require.resolve(`${name}/package.json`));
  const dest = path.join('dist/node_modules', name);
  const platform = `${process.platform}-${process.arch}`;
  cpSync(src, dest, {
    recursive: true,
    filter: (p) => {
      const rel = path.relative(src, p).split(path.sep);
      if (rel[0] === '') return true;
      if (rel.includes('node_modules') || rel.includes('test') || rel.includes('examples')) return false;
      if (rel[0] === 'src' || rel[0] === 'vendor' || rel[0] === 'queries' || rel[0] === 'bindings' && rel[1] !== 'node') return false;
      if (rel[0] === 'prebuilds' && rel.length > 1 && rel[1] !== platform) return false;
      if (rel[0] === 'build' && rel.length > 1 && rel[1] !== 'Release') return false;
      if (rel[0] === 'build' && rel.length > 2 && !rel[rel.length - 1].endsWith('.node') && statSync(p).isFile()) return false;
      if (rel.includes('obj.target') || rel.includes('.deps')) return false;
      const base = rel[rel.length - 1];
      if (/\.(c|cc|h|gyp|md|wasm|d\.ts|map|json)$/i.test(base) && base !== 'package.json') return false;
      if (/^(grammar\.js|binding_test\.js|tree-sitter\.json|LICENSE.*|CHANGELOG.*)$/.test(base)) return false;
      return true;
    },
  });
}

function copyNatives() {
  rmSync('dist/node_modules', { recursive: true, force: true });
  for (const n of [...NATIVE_PACKAGES, ...NATIVE_HELPERS]) if (existsSync(`node_modules/${n}`)) copyPackage(n);
  // A package.json keeps Node from treating dist/node_modules as part of the extension's own package.
  writeFileSync('dist/node_modules/.keep', '');
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
if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
  console.log('[esbuild] watching…');
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  if (production) {
    copyNatives();
    console.log(`[esbuild] production build; native addons in dist/node_modules: ${(sizeOf('dist/node_modules') / 1e6).toFixed(1)} MB`);
  }
}
