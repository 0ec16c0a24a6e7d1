/**
 * A large workspace for the LSP bench and the large-workspace e2e test: the CPython standard library of this
 * machine's `python3` (source files only), copied as stdlib/, stdlib-2/, … until there are at least `minFiles`
 * source files, with a real dbt project (../shared/corpora/dbt/jaffle-shop, read in place) copied as analytics/.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { requireCorpora } from './helpers';

const SOURCE = /\.(py|sql|ya?ml|scala|java|ts|js)$/;

export function countSources(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) n += countSources(path.join(dir, e.name));
    else if (SOURCE.test(e.name)) n++;
  }
  return n;
}

/** Fills `root` (an empty folder); returns how many stdlib copies it took. */
export function assembleLargeWorkspace(root: string, minFiles = 1800): number {
  const stdlib = execFileSync('python3', ['-c', 'import sysconfig;print(sysconfig.get_paths()["stdlib"])'], {
    encoding: 'utf8',
  }).trim();
  const skip = (src: string) => /(site-packages|dist-packages|__pycache__)$/.test(src) || /\.(pyc|so|a|o)$/.test(src);
  cpSync(path.join(requireCorpora(), 'dbt', 'jaffle-shop'), path.join(root, 'analytics'), { recursive: true });
  let copies = 0;
  while (countSources(root) < minFiles) {
    copies++;
    cpSync(stdlib, path.join(root, copies === 1 ? 'stdlib' : `stdlib-${copies}`), {
      recursive: true,
      filter: (src) => !skip(src),
    });
  }
  return copies;
}
