/**
 * What every fuzz area shares: the run's seed, a temp root (workspaces, caches, index folders — nothing goes to
 * the user's cache), the marker API key every process gets and that must never be written anywhere, a secret
 * file outside the workspaces whose content must never be read through DagLens, and the report.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CORPORA, REPO } from '../helpers';

export interface Failure {
  area: string;
  case: number;
  kind: 'crash' | 'hang' | 'kill' | 'leak' | 'cap' | 'lost' | 'check';
  what: string;
  why: string;
}

export interface AreaStats {
  cases: number;
  crashes: number;
  hangs: number;
  peakMb: number;
  ms: number;
  /** Area-specific figures (kills survived, storms, cap checks, …). */
  figures: Record<string, number | string>;
  /** Cases per input category / request kind. */
  byKind: Record<string, number>;
}

export class FuzzContext {
  readonly root: string;
  /** The API key every process of the run gets: grep for it afterwards. */
  readonly apiKey: string;
  /** Text of a file outside every workspace: DagLens must never show it or send it to a model. */
  readonly secret: string;
  readonly secretFile: string;
  readonly cacheHome: string;
  readonly failures: Failure[] = [];
  readonly areas = new Map<string, AreaStats>();
  /** Everything processes printed and the LSP server sent is scanned for the key as it arrives; these are the hits. */
  readonly leaks: string[] = [];
  readonly cli = path.join(REPO, 'dist', 'cli.js');
  readonly server = path.join(REPO, 'dist', 'server.js');

  constructor(
    readonly seed: number,
    readonly verbose = false,
    root?: string,
  ) {
    this.root = root ?? mkdtempSync(path.join(os.tmpdir(), `daglens-fuzz-${seed}-`));
    this.apiKey = `sk-fuzzMARKER${seed.toString(36)}x${Math.random().toString(36).slice(2, 10)}KEY`;
    this.secret = `SECRET_MARKER_${seed}_${Math.random().toString(36).slice(2, 10)}`;
    const outside = path.join(this.root, 'outside');
    mkdirSync(outside, { recursive: true });
    this.secretFile = path.join(outside, 'secret_orders.sql');
    writeFileSync(
      this.secretFile,
      `-- ${this.secret}\nselect ${this.secret.toLowerCase()} as secret_col, order_id from raw_orders where amount > 0;\n`,
    );
    this.cacheHome = path.join(this.root, 'xdg-cache');
    mkdirSync(this.cacheHome, { recursive: true });
  }

  /** The environment of every process the fuzzer starts: the marker key, the run's own cache, no user settings. */
  env(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const k of Object.keys(env)) if (/^(OPENAI_|DAGLENS_|AZURE_OPENAI_)/.test(k)) delete env[k];
    return {
      ...env,
      XDG_CACHE_HOME: this.cacheHome,
      OPENAI_API_KEY: this.apiKey,
      DAGLENS_LLM_API_KEY: this.apiKey,
      ...extra,
    };
  }

  /** A fresh folder under the run's root. */
  dir(name: string): string {
    const d = path.join(this.root, name);
    rmSync(d, { recursive: true, force: true });
    mkdirSync(d, { recursive: true });
    return d;
  }

  /**
   * The base workspace the CLI and LSP areas map against: jaffle-shop, TPC-DS queries, the PySpark project,
   * the event logs' code, and a symlink to the secret file outside (DagLens may follow it as a workspace file,
   * but no flag, citation or DAG input may reach outside on its own).
   */
  baseWorkspace(name = 'ws'): string {
    const ws = this.dir(name);
    cpSync(path.join(CORPORA, 'dbt', 'jaffle-shop'), ws, { recursive: true });
    mkdirSync(path.join(ws, 'tpcds'), { recursive: true });
    cpSync(path.join(CORPORA, 'spark-tpcds', 'spark3', 'queries'), path.join(ws, 'tpcds', 'queries'), {
      recursive: true,
    });
    cpSync(path.join(CORPORA, 'pyspark', 'pyspark-example-project'), path.join(ws, 'pyspark'), { recursive: true });
    cpSync(path.join(CORPORA, 'spark-eventlogs', 'code'), path.join(ws, 'runs-code'), { recursive: true });
    return ws;
  }

  /** A link inside `ws` to the secret outside it. */
  linkSecret(ws: string, name = 'linked_secret.sql'): string {
    const p = path.join(ws, name);
    rmSync(p, { force: true });
    symlinkSync(this.secretFile, p);
    return p;
  }

  area(name: string): AreaStats {
    let a = this.areas.get(name);
    if (!a) this.areas.set(name, (a = { cases: 0, crashes: 0, hangs: 0, peakMb: 0, ms: 0, figures: {}, byKind: {} }));
    return a;
  }

  fail(f: Failure): void {
    this.failures.push(f);
    const a = this.area(f.area);
    if (f.kind === 'crash') a.crashes++;
    if (f.kind === 'hang') a.hangs++;
    // A failure is printed as it happens, with what reproduces it.
    process.stderr.write(
      `\n✗ ${f.area} case ${f.case} (${f.kind}): ${f.what}\n  ${f.why.slice(0, 600)}\n  repro: npm run fuzz -- --seed ${this.seed} --only ${f.area}:${f.case}\n`,
    );
  }

  /** Scans text for the marker key. */
  scan(text: string, where: string): void {
    const i = text.indexOf(this.apiKey);
    if (i >= 0) this.leaks.push(`${where}: …${text.slice(Math.max(0, i - 60), i + 20).replace(this.apiKey, '<KEY>')}…`);
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Progress on one line, for long runs. */
export function progress(area: string, done: number, total: number, extra = ''): void {
  if (!process.stderr.isTTY) {
    if (done === total || done % Math.max(1, Math.floor(total / 10)) === 0)
      process.stderr.write(`  ${area}: ${done}/${total}${extra ? ` ${extra}` : ''}\n`);
    return;
  }
  process.stderr.write(`\r  ${area}: ${done}/${total} ${extra}`.padEnd(100).slice(0, 120));
  if (done === total) process.stderr.write('\n');
}
