// Runs every benchmark in bench/ (files named *.bench.mjs or *.bench.ts), one after the other.
//   npm run bench            all of them
//   npm run bench -- index   only those whose name contains "index"
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const benches = readdirSync(dir)
  .filter((f) => /\.bench\.(mjs|ts)$/.test(f) && (!filters.length || filters.some((x) => f.includes(x))))
  .sort();
let failed = 0;
for (const b of benches) {
  console.log(`\n### ${b}`);
  const args = b.endsWith('.ts') ? ['--import', 'tsx', path.join(dir, b)] : [path.join(dir, b)];
  const r = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: path.dirname(dir) });
  if (r.status !== 0) {
    console.error(`${b} failed (exit ${r.status})`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
