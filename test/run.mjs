// Runs the test suites with Node's test runner (TypeScript through tsx), building what they need first.
//   node test/run.mjs            all suites: unit, integration, e2e (+ the electron suite's skip notice)
//   node test/run.mjs unit e2e   only those
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
const SUITES = ['unit', 'integration', 'e2e', 'electron'];
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const suites = wanted.length ? wanted : SUITES;
for (const s of suites)
  if (!SUITES.includes(s)) {
    console.error(`unknown suite '${s}' (${SUITES.join(', ')})`);
    process.exit(2);
  }

function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

function testFiles(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...testFiles(p));
    else if (/\.test\.ts$/.test(name)) out.push(p);
  }
  return out;
}

function newestMtime(p) {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(0, ...readdirSync(p).map((n) => newestMtime(path.join(p, n))));
}

function vsixStale() {
  if (!existsSync('daglens.vsix')) return true;
  const inputs = [
    'client/src',
    'server/src',
    'media',
    'syntaxes',
    'docs/screenshots',
    'package.json',
    'esbuild.mjs',
    '.vscodeignore',
    'README.md',
  ];
  return Math.max(...inputs.map(newestMtime)) > statSync('daglens.vsix').mtimeMs;
}

// Integration and e2e tests drive the built artefacts, as users get them. The packaging test and the e2e
// tests install daglens.vsix: (re)package it when a source is newer, then the development build (readable traces).
if (suites.some((s) => s === 'e2e' || s === 'integration') && vsixStale()) run('npm', ['run', '--silent', 'package']);
if (suites.some((s) => s !== 'unit')) run(process.execPath, ['esbuild.mjs']);

const files = suites.flatMap((s) => testFiles(path.join('test', s)));
run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...files]);
