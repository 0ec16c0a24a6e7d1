// The .vsix carries everything that runs and nothing else: unpack it outside the repo (so the repo's
// node_modules cannot be reached), start its server over stdio and get symbols in every language we parse.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hnswBuild } from '../../server/src/engine/index/vectorIndex';
import { DocumentSymbolRequest, type DocumentSymbol } from 'vscode-languageserver-protocol/node';
import { FIXTURES, REPO } from '../helpers';
import { ready, startLsp, uri, type LspSession } from '../lsp-client';
import { ensureVsix, listVsix, unpackVsix } from '../vsix';

let vsix: string;
let unpacked: string;
let ws: string;
let lsp: LspSession;

// One small file per grammar the server loads, beyond the Python and SQL fixtures.
const MORE_LANGUAGES: Record<string, [string, string]> = {
  'Orders.java': ['public class Orders {\n  void load() {}\n}\n', 'Orders'],
  'Etl.scala': ['object Etl {\n  def run(): Unit = {}\n}\n', 'Etl'],
  'loader.ts': ['export class Loader {\n  load(): void {}\n}\n', 'Loader'],
  'view.tsx': ['export function View() {\n  return <div />;\n}\n', 'View'],
  'plot.js': ['function plot(rows) {\n  return rows.length;\n}\n', 'plot'],
  'schema.yml': ['version: 2\nmodels:\n  - name: orders\n', 'models'],
};

before(async () => {
  vsix = ensureVsix();
  unpacked = unpackVsix(vsix);
  assert.ok(!unpacked.startsWith(REPO + path.sep), 'unpacked outside the repo');
  ws = mkdtempSync(path.join(os.tmpdir(), 'daglens-pkg-ws-'));
  cpSync(path.join(FIXTURES, 'workspace'), ws, { recursive: true });
  for (const [name, [text]] of Object.entries(MORE_LANGUAGES)) writeFileSync(path.join(ws, name), text);
  // No NODE_PATH and a cwd outside the repo: module resolution walks up from the unpacked folder only.
  delete process.env.NODE_PATH;
  lsp = await startLsp(ws, {}, { server: path.join(unpacked, 'extension/dist/server.js'), cwd: unpacked });
  await ready(lsp);
});

after(async () => {
  await lsp?.close();
  for (const d of [unpacked, ws]) if (d) rmSync(d, { recursive: true, force: true });
});

async function symbols(rel: string): Promise<DocumentSymbol[]> {
  return (await lsp.conn.sendRequest(DocumentSymbolRequest.type, {
    textDocument: { uri: uri(path.join(ws, rel)) },
  })) as DocumentSymbol[];
}

test('the .vsix is small and holds only what runs', () => {
  const size = statSync(vsix).size;
  const files = listVsix(vsix);
  console.log(`# daglens.vsix: ${(size / 1e6).toFixed(2)} MB, ${files.length} files`);
  const ext = files.filter((f) => f.startsWith('extension/')).map((f) => f.slice('extension/'.length));
  for (const must of ['package.json', 'dist/client.js', 'dist/server.js'])
    assert.ok(ext.includes(must), `${must} is in the .vsix`);
  const unexpected = ext.filter(
    (f) =>
      (/\.(ts|map|c|cc|h|gyp|wasm|md)$/.test(f) && !/^readme\.md$/i.test(f)) ||
      /(^|\/)(src|test|tests|examples)\//.test(f) ||
      f.startsWith('node_modules/') ||
      (f.includes('/node_modules/') && !f.startsWith('dist/node_modules/')) ||
      f === 'dist/cli.js' ||
      f.startsWith('client/') ||
      f.startsWith('server/') ||
      f.startsWith('bench/') ||
      f.startsWith('scripts/'),
  );
  assert.deepEqual(unexpected, [], 'no sources, tests, maps or stray node_modules');
  // Outside dist/node_modules, binaries are only the native addons for this platform.
  const natives = ext.filter((f) => f.endsWith('.node'));
  assert.ok(natives.length >= 8, `native addons for every grammar are packaged (${natives.length})`);
  assert.ok(natives.every((f) => f.startsWith('dist/node_modules/')));
  assert.ok(size < 10e6, `the .vsix stays small (${size} bytes)`);
});

test('the images the README shows in the Extensions view are in the .vsix', () => {
  const readme = readFileSync(path.join(unpacked, 'extension', 'readme.md'), 'utf8');
  const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)]
    .map((m) => m[1])
    .filter((src) => !/^[a-z]+:/i.test(src));
  const missing = images.filter((src) => !existsSync(path.join(unpacked, 'extension', src)));
  assert.deepEqual(missing, [], 'relative images are packaged (vsce keeps relative links: scripts/package.mjs)');
});

test('the .vsix is marked for the platform its native addons were built for', () => {
  const manifest = readFileSync(path.join(unpacked, 'extension.vsixmanifest'), 'utf8');
  const platform = /TargetPlatform="([^"]+)"/.exec(manifest)?.[1];
  const arch = process.arch === 'arm' ? 'armhf' : process.arch;
  const os = process.platform === 'linux' ? '(linux|alpine)' : process.platform; // alpine: musl Linux
  assert.match(platform ?? '(none)', new RegExp(`^${os}-${arch}$`));
});

test('the unpacked server answers Python symbols (class → method → nested function)', async () => {
  const syms = await symbols('jobs/sales_job.py');
  assert.deepEqual(
    syms.map((s) => s.name),
    ['SalesJob', 'main'],
  );
  const run = syms[0].children!.find((c) => c.name === 'run')!;
  assert.deepEqual(
    run.children!.map((c) => c.name),
    ['with_revenue'],
  );
});

test('the unpacked server answers dbt SQL symbols (model → CTEs)', async () => {
  const syms = await symbols('models/store_revenue.sql');
  assert.equal(syms[0].name, 'store_revenue');
  assert.deepEqual(syms[0].children!.map((c) => c.name).slice(0, 2), ['orders', 'stores']);
});

test('every other grammar loads from the .vsix', async () => {
  for (const [name, [, expected]] of Object.entries(MORE_LANGUAGES)) {
    const names = (await symbols(name)).map((s) => s.name);
    assert.ok(names.includes(expected), `${name}: ${expected} in ${JSON.stringify(names)}`);
  }
});

test(
  'the native addons the server loaded all come from the unpacked .vsix',
  { skip: !existsSync('/proc/self/maps') && 'needs /proc (Linux)' },
  () => {
    const maps = readFileSync(`/proc/${lsp.proc.pid}/maps`, 'utf8');
    const loaded = [
      ...new Set(
        maps
          .split('\n')
          .map((l) => l.split(/\s+/)[5])
          .filter((p) => p?.endsWith('.node')),
      ),
    ];
    assert.ok(
      loaded.some((p) => p.includes('tree-sitter-python')),
      'the Python grammar is loaded',
    );
    assert.ok(
      loaded.some((p) => p.includes('tree-sitter-sql')),
      'the SQL grammar is loaded',
    );
    const realUnpacked = path.join(unpacked, 'extension') + path.sep;
    assert.deepEqual(
      loaded.filter((p) => !p.startsWith(realUnpacked)),
      [],
      'no addon from outside the .vsix',
    );
    // Where this CPU runs the AVX2 build, the packaged server picks it too.
    const hnsw = loaded.filter((p) => p.includes('hnswlib-node'));
    assert.ok(hnsw.length > 0, 'the vector index addon is loaded');
    if (hnswBuild() === 'avx2')
      assert.deepEqual(
        hnsw.map((p) => path.basename(p)),
        ['addon-avx2.node'],
      );
  },
);
