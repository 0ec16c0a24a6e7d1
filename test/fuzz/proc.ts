/**
 * Running a process the way a fuzz case does: a timeout that counts as a hang (the process group is killed),
 * its peak RSS (a preload hook writes process.resourceUsage().maxRSS at exit), and what counts as a crash.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

export const HOOK = path.join(__dirname, 'rssHook.cjs');
export const HANG_MS = 30_000;

export interface ProcResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  hung: boolean;
  /** Peak resident set size in MB (from the hook; undefined if the process died before its exit handlers). */
  peakMb?: number;
}

export interface ProcOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
  /** Where the hook writes the peak RSS (one file per concurrent process). */
  rssFile?: string;
  /** Called with the pid once the process runs (kill -9 cases). */
  onSpawn?: (pid: number) => void;
  /** Output beyond this many characters is dropped (a case printing 100 MB must not fill our memory). */
  maxOutput?: number;
}

export function runNode(args: string[], opts: ProcOptions = {}): Promise<ProcResult> {
  const started = Date.now();
  const env = { ...(opts.env ?? process.env) };
  if (opts.rssFile) env.DAGLENS_FUZZ_RSS_FILE = opts.rssFile;
  const nodeArgs = opts.rssFile ? ['--require', HOOK, ...args] : args;
  return new Promise((resolve) => {
    const p = spawn(process.execPath, nodeArgs, {
      env,
      cwd: opts.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const max = opts.maxOutput ?? 2_000_000;
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => {
      if (stdout.length < max) stdout += d;
    });
    p.stderr.on('data', (d) => {
      if (stderr.length < max) stderr += d;
    });
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      try {
        process.kill(-p.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, opts.timeoutMs ?? HANG_MS);
    if (p.pid) opts.onSpawn?.(p.pid);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      let peakMb: number | undefined;
      if (opts.rssFile) {
        try {
          peakMb = Number(readFileSync(opts.rssFile, 'utf8').trim()) / 1024;
          if (!Number.isFinite(peakMb)) peakMb = undefined;
        } catch {
          /* killed before it could write */
        }
        rmSync(opts.rssFile, { force: true });
      }
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started, hung, peakMb });
    });
  });
}

/**
 * Text that is our internals, not a message for a user: JS stack frames, V8's stack overflow, JS error names with
 * their message, "internal error", "[object Object]". (Stdout also carries the user's own code and Spark's Java
 * errors, so only unmistakable JS internals count there.)
 */
export const INTERNAL_STDERR =
  /Maximum call stack|Cannot read propert|is not a function|is not iterable|undefined is not|null is not|Cannot access '[^']+' before|\b(TypeError|ReferenceError|RangeError|SyntaxError|AssertionError): |\bat (async )?[^\s()]*\s?\(?(\/|node:|file:)[^\s)]*:\d+:\d+\)?|internal error|\[object Object\]/;
export const INTERNAL_STDOUT =
  /Maximum call stack|\bat (async )?[^\s()]*\s?\((\/|node:|file:)[^\s)]*\.js:\d+:\d+\)|internal error: /;

export interface Verdict {
  verdict: 'ok' | 'crash' | 'hang';
  why?: string;
}

/**
 * A CLI run is a crash when it dies by a signal, exits with a code that is not 0 (done), 2 (the user's mistake)
 * or 130 (cancelled), shows internals (a stack, a JS error name, "internal error"), or fails without exactly one
 * line saying why. A run over 30 s is a hang.
 */
export function classifyCli(r: ProcResult): Verdict {
  if (r.hung) return { verdict: 'hang', why: `no exit within ${HANG_MS / 1000} s` };
  if (r.signal) return { verdict: 'crash', why: `killed by ${r.signal}` };
  if (r.code !== 0 && r.code !== 2 && r.code !== 130)
    return {
      verdict: 'crash',
      why: `exit code ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 300)}`,
    };
  const inErr = INTERNAL_STDERR.exec(r.stderr);
  const inOut = inErr ? null : INTERNAL_STDOUT.exec(r.stdout.slice(0, 200_000));
  const hit = inErr ?? inOut;
  if (hit) {
    const text = inErr ? r.stderr : r.stdout;
    return {
      verdict: 'crash',
      why: `internal message shown: …${text.slice(Math.max(0, hit.index - 80), hit.index + 160)}…`,
    };
  }
  if (r.code !== 0) {
    const lines = r.stderr
      .trim()
      .split('\n')
      .filter((l) => l.trim());
    if (lines.length !== 1 || !/^daglens: \S/.test(lines[0]))
      return {
        verdict: 'crash',
        why: `exit ${r.code} without a one-line message: ${JSON.stringify(r.stderr.slice(0, 400))}`,
      };
  }
  return { verdict: 'ok' };
}
