// Installs what the end-to-end tests need, idempotently and offline apart from the npm registry:
// code-server (the real VS Code workbench and extension host, served to a browser) into a cache folder
// outside the repo's node_modules, and checks Debian's Chromium. See ../shared/docs/e2e-in-real-vscode.md.
//   node scripts/e2e-setup.mjs          cache: $DAGLENS_E2E_CACHE or ~/.cache/daglens-e2e
// Debian packages come from .ci/run (apt-get install chromium libkrb5-dev pkg-config ripgrep).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The newest code-server whose engines.node accepts Node 20.
export const CODE_SERVER_VERSION = '4.100.3';
// What that code-server's @vscode/ripgrep postinstall looks for in its cache before it tries GitHub.
const RIPGREP_PACKAGE_VERSION = '1.15.11';
const RIPGREP_ASSET = 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz';

export function e2eCacheDir() {
  return process.env.DAGLENS_E2E_CACHE || path.join(os.homedir(), '.cache', 'daglens-e2e');
}

/** Where setup records the tools it found; test/e2e/harness.ts reads it. */
export function manifestPath(cache = e2eCacheDir()) {
  return path.join(cache, 'e2e.json');
}

const log = (m) => console.log(`[e2e-setup] ${m}`);

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function findChromium() {
  const candidates = [process.env.DAGLENS_CHROMIUM, '/usr/bin/chromium', which('chromium'), which('chromium-browser')];
  return candidates.find((c) => c && existsSync(c));
}

/** @vscode/ripgrep downloads rg from GitHub unless this archive is already cached: give it Debian's rg. */
function seedRipgrepCache() {
  const dir = path.join(os.tmpdir(), `vscode-ripgrep-cache-${RIPGREP_PACKAGE_VERSION}`);
  const archive = path.join(dir, RIPGREP_ASSET);
  if (existsSync(archive)) return `ripgrep cache present (${archive})`;
  const rg = which('rg');
  if (!rg) throw new Error('ripgrep (rg) is missing: apt-get install -y ripgrep');
  mkdirSync(dir, { recursive: true });
  const r = spawnSync('tar', ['czf', archive, '-C', path.dirname(rg), path.basename(rg)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`could not write ${archive}: ${r.stderr}`);
  return `seeded the ripgrep cache from ${rg}`;
}

function codeServerBin(dir) {
  return path.join(dir, 'node_modules', '.bin', 'code-server');
}

function installCodeServer(cache) {
  const dir = path.join(cache, `code-server-${CODE_SERVER_VERSION}`);
  const done = path.join(dir, '.installed');
  if (existsSync(done) && existsSync(codeServerBin(dir)))
    return { dir, did: `code-server ${CODE_SERVER_VERSION} already installed in ${dir}` };
  log(seedRipgrepCache());
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // Its own package.json, so npm neither walks up into the repo nor reads the repo's .npmrc (ignore-scripts).
  writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'daglens-e2e-code-server', private: true }, null, 2),
  );
  log(`installing code-server@${CODE_SERVER_VERSION} into ${dir} (about 300 MB, a minute or two)…`);
  const t0 = Date.now();
  const r = spawnSync(
    'npm',
    ['install', '--no-audit', '--no-fund', '--loglevel=error', `code-server@${CODE_SERVER_VERSION}`],
    {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      // Root needs unsafe_perm for code-server's postinstall; `yes` lets node-pty's postinstall run npx without a TTY.
      env: {
        ...process.env,
        npm_config_yes: 'true',
        npm_config_unsafe_perm: 'true',
        npm_config_ignore_scripts: 'false',
      },
    },
  );
  if (r.status !== 0) {
    process.stderr.write(`${r.stdout}\n${r.stderr}`.split('\n').slice(-40).join('\n') + '\n');
    throw new Error(
      `npm install code-server@${CODE_SERVER_VERSION} failed (exit ${r.status}); missing libkrb5-dev or pkg-config?`,
    );
  }
  // A config file of its own: code-server would otherwise write ~/.config/code-server/config.yaml.
  const v = spawnSync(codeServerBin(dir), ['--version'], {
    encoding: 'utf8',
    env: { ...process.env, CODE_SERVER_CONFIG: path.join(dir, 'config.yaml') },
  });
  if (v.status !== 0) throw new Error(`code-server was installed but does not run: ${v.stderr || v.stdout}`);
  writeFileSync(done, `${new Date().toISOString()}\n`);
  const version = v.stdout.split('\n').find((l) => /^\d+\.\d+\.\d+ /.test(l)) ?? v.stdout.trim();
  return { dir, did: `installed code-server ${version} in ${((Date.now() - t0) / 1000).toFixed(0)} s` };
}

export function setup() {
  const cache = e2eCacheDir();
  mkdirSync(cache, { recursive: true });
  const chromium = findChromium();
  if (!chromium) throw new Error('Chromium is missing: apt-get install -y chromium (or set DAGLENS_CHROMIUM)');
  log(`chromium: ${chromium}`);
  const { dir, did } = installCodeServer(cache);
  log(did);
  const manifest = { codeServer: codeServerBin(dir), codeServerVersion: CODE_SERVER_VERSION, chromium };
  writeFileSync(manifestPath(cache), JSON.stringify(manifest, null, 2) + '\n');
  log(`wrote ${manifestPath(cache)}`);
  return manifest;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    setup();
  } catch (e) {
    console.error(`[e2e-setup] ${e.message}`);
    process.exit(1);
  }
}
