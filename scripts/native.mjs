// Builds the native addons that have no usable prebuilt binary here.
// npm runs no install scripts in this project (.npmrc: ignore-scripts) because the SQL grammar's
// script downloads tree-sitter-cli; this script does the part that matters, offline, idempotently.
import { spawnSync } from 'node:child_process';
import { existsSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));

/** Packages whose binary we build from source: [package, a probe that loads it]. */
export const NATIVE = [
  ['tree-sitter', () => new (require('tree-sitter'))()],
  ['@derekstride/tree-sitter-sql', () => require('@derekstride/tree-sitter-sql')],
  ['hnswlib-node', () => new (require('hnswlib-node').HierarchicalNSW)('cosine', 2)],
];
// Grammars that ship prebuilt linux/darwin/win32 binaries; checked only.
export const PREBUILT = [
  'tree-sitter-python',
  'tree-sitter-java',
  'tree-sitter-scala',
  'tree-sitter-typescript',
  'tree-sitter-javascript',
  '@tree-sitter-grammars/tree-sitter-yaml',
];

function nodeGyp() {
  const npmDir = path.dirname(path.dirname(fs_realpath(process.execPath)));
  const candidates = [
    path.join(npmDir, 'lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
    '/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
    '/usr/local/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
  ];
  return candidates.find((c) => existsSync(c));
}
function fs_realpath(p) {
  try {
    return require('node:fs').realpathSync(p);
  } catch {
    return p;
  }
}

function loads(probe) {
  try {
    probe();
    return true;
  } catch {
    return false;
  }
}

/** Runs node-gyp rebuild in a package; `cxxflags` adds compiler flags. */
function gypRebuild(pkg, dir, cxxflags = '') {
  const gyp = nodeGyp();
  if (!gyp) throw new Error('node-gyp not found (it ships with npm); cannot build ' + pkg);
  const args = [gyp, 'rebuild'];
  // Build against the local Node headers when the machine has them: node-gyp would otherwise download them.
  if (existsSync('/usr/include/node/node_api.h')) args.push('--nodedir=/usr');
  const env = cxxflags ? { ...process.env, CXXFLAGS: `${process.env.CXXFLAGS ?? ''} ${cxxflags}` } : process.env;
  const r = spawnSync(process.execPath, args, { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) {
    process.stderr.write(String(r.stderr).split('\n').slice(-30).join('\n'));
    throw new Error(`building ${pkg} failed (node-gyp exit ${r.status})`);
  }
}

/**
 * hnswlib-node's portable build uses SSE only; an AVX2+FMA build inserts ~1.4× faster. On linux-x64 both are
 * built, and the server loads build/Release/addon-avx2.node only where the CPU has AVX2 and FMA (vectorIndex.ts).
 */
export const HNSW_AVX2 = 'build/Release/addon-avx2.node';

function ensureHnswAvx2(log) {
  if (process.platform !== 'linux' || process.arch !== 'x64') return;
  const dir = path.dirname(require.resolve('hnswlib-node/package.json'));
  const target = path.join(dir, HNSW_AVX2);
  if (existsSync(target)) return;
  log('building hnswlib-node for AVX2+FMA…');
  gypRebuild('hnswlib-node', dir, '-mavx2 -mfma');
  const tmp = path.join(dir, '.addon-avx2.node');
  renameSync(path.join(dir, 'build/Release/addon.node'), tmp);
  gypRebuild('hnswlib-node', dir); // the portable build back in place
  renameSync(tmp, target);
  log('hnswlib-node AVX2 build ok');
}

export function ensureNative({ quiet = false } = {}) {
  const log = (m) => {
    if (!quiet) console.log(`[native] ${m}`);
  };
  for (const [pkg, probe] of NATIVE) {
    if (loads(probe)) continue;
    log(`building ${pkg} from source…`);
    gypRebuild(pkg, path.dirname(require.resolve(`${pkg}/package.json`)));
    // A fresh require cache is not needed: the probe failed before the binary existed.
    if (!loads(probe)) throw new Error(`${pkg} was built but still does not load`);
    log(`${pkg} ok`);
  }
  ensureHnswAvx2(log);
  for (const pkg of PREBUILT) require(pkg);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    ensureNative();
    console.log('[native] all native addons load');
  } catch (e) {
    console.error(`[native] ${e.message}`);
    process.exit(1);
  }
}
