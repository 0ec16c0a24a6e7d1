// Native tree-sitter (N-API) vs web-tree-sitter (WASM), side by side in one run, on the same Python files.
// Corpus: the CPython standard library found on this machine (site-packages excluded), or DIR given as argument.
//   node bench/parse.bench.mjs [DIR] [--limit-mb N]
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const dirArg = args.find((a) => !a.startsWith('--'));
const stdlib =
  dirArg ??
  execFileSync('python3', ['-c', 'import sysconfig;print(sysconfig.get_paths()["stdlib"])'], {
    encoding: 'utf8',
  }).trim();

function pyFiles(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'site-packages' && e.name !== '__pycache__') pyFiles(p, out);
    } else if (e.isFile() && e.name.endsWith('.py')) out.push(p);
  }
  return out;
}

const files = pyFiles(stdlib).map((p) => readFileSync(p, 'utf8'));
const bytes = files.reduce((n, t) => n + Buffer.byteLength(t), 0);
const lines = files.reduce((n, t) => n + t.split('\n').length, 0);

function measure(name, parse) {
  parse(files[0]); // warm up
  const t0 = process.hrtime.bigint();
  let errors = 0;
  for (const t of files) {
    if (parse(t)) errors++;
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  return { name, seconds: s, mbPerS: bytes / 1e6 / s, filesWithErrors: errors };
}

/** Visits every node with a TreeCursor (what the symbol extractor does); returns the node count. */
function cursorWalk(tree) {
  const c = tree.walk();
  let n = 0;
  for (;;) {
    n++;
    if (c.gotoFirstChild()) continue;
    while (!c.gotoNextSibling()) {
      if (!c.gotoParent()) {
        c.delete?.(); // WASM cursors live on the WASM heap
        return n;
      }
    }
  }
}
/** Visits every named node through `namedChildren` (each node materialised). */
function childrenWalk(node) {
  let n = 1;
  for (const ch of node.namedChildren) n += childrenWalk(ch);
  return n;
}

const Native = require('tree-sitter');
const native = new Native();
native.setLanguage(require('tree-sitter-python'));
const results = [
  measure('native tree-sitter 0.25 (N-API)', (t) => {
    const tree = native.parse(t, null, { bufferSize: Math.max(32768, t.length * 2 + 16) });
    return tree.rootNode.hasError;
  }),
];

const nativeParse = (t) => native.parse(t, null, { bufferSize: Math.max(32768, t.length * 2 + 16) });
results.push(
  measure('native + cursor walk', (t) => {
    cursorWalk(nativeParse(t));
  }),
);
results.push(
  measure('native + namedChildren walk', (t) => {
    childrenWalk(nativeParse(t).rootNode);
  }),
);

const { Parser, Language } = await import('web-tree-sitter');
await Parser.init();
const wasm = new Parser();
wasm.setLanguage(await Language.load(require.resolve('tree-sitter-python/tree-sitter-python.wasm')));
results.push(
  measure('web-tree-sitter 0.25 (WASM)', (t) => {
    const tree = wasm.parse(t);
    const e = tree.rootNode.hasError;
    tree.delete(); // WASM trees live on the WASM heap until deleted
    return e;
  }),
);

results.push(
  measure('wasm + cursor walk', (t) => {
    const tree = wasm.parse(t);
    cursorWalk(tree);
    tree.delete();
  }),
);
results.push(
  measure('wasm + namedChildren walk', (t) => {
    const tree = wasm.parse(t);
    childrenWalk(tree.rootNode);
    tree.delete();
  }),
);

console.log(
  `corpus: ${stdlib} — ${files.length} .py files, ${lines.toLocaleString('en')} lines, ${(bytes / 1e6).toFixed(1)} MB`,
);
console.log(
  `machine: ${os.cpus()[0]?.model ?? 'unknown cpu'}, ${os.cpus().length} cores, node ${process.version}, one thread`,
);
for (const r of results)
  console.log(
    `${r.name.padEnd(34)} ${r.seconds.toFixed(2).padStart(6)} s  ${r.mbPerS.toFixed(2).padStart(5)} MB/s  (${r.filesWithErrors} files with error nodes)`,
  );
const by = (n) => results.find((r) => r.name.startsWith(n));
console.log(
  `native / wasm, parse only: ${(by('native tree-sitter').mbPerS / by('web-tree-sitter').mbPerS).toFixed(2)}×; parse + cursor walk: ${(by('native + cursor').mbPerS / by('wasm + cursor').mbPerS).toFixed(2)}×`,
);
