/**
 * End-to-end harness: the packaged extension in a real VS Code workbench (code-server) driven through
 * Debian's headless Chromium with playwright-core. Builds nothing: test/run.mjs packages daglens.vsix first.
 * The tools come from `node scripts/e2e-setup.mjs` (recipe: ../shared/docs/e2e-in-real-vscode.md).
 *
 *   const why = e2eSkipReason();                 // undefined when code-server and Chromium are there
 *   describe('…', { skip: why }, () => {
 *     before(async () => { vs = await VsCodeSession.start({ name: 'outline', workspace: FIXTURE }); });
 *     after(() => vs?.close());
 *     test('…', () => vs.step('open file', () => vs.openFile('jobs/sales_job.py')));
 *   });
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { REPO } from '../helpers';
import { VSIX } from '../vsix';

export const RESULTS = path.join(REPO, 'test-results');

interface Tools {
  codeServer: string;
  chromium: string;
  codeServerVersion: string;
}

function cacheDir(): string {
  return process.env.DAGLENS_E2E_CACHE || path.join(os.homedir(), '.cache', 'daglens-e2e');
}

/** What scripts/e2e-setup.mjs recorded, if it is all still there. */
function tools(): Tools | string {
  const manifest = path.join(cacheDir(), 'e2e.json');
  if (!existsSync(manifest)) return `code-server is not set up (no ${manifest}): run \`node scripts/e2e-setup.mjs\``;
  const t = JSON.parse(readFileSync(manifest, 'utf8')) as Tools;
  if (!existsSync(t.codeServer)) return `code-server is missing (${t.codeServer}): run \`node scripts/e2e-setup.mjs\``;
  if (!existsSync(t.chromium)) return `Chromium is missing (${t.chromium}): apt-get install -y chromium`;
  return t;
}

/**
 * Why the e2e tests cannot run here, or undefined when they can. With DAGLENS_REQUIRE_E2E=1 (CI) a missing
 * tool is an error instead of a skip, so CI cannot pass without having run them.
 */
export function e2eSkipReason(): string | undefined {
  const t = tools();
  let reason = typeof t === 'string' ? t : undefined;
  if (!reason && !existsSync(VSIX)) reason = `${VSIX} is missing: run \`npm run package\` (test/run.mjs does)`;
  if (reason && process.env.DAGLENS_REQUIRE_E2E === '1') throw new Error(`DAGLENS_REQUIRE_E2E=1 but ${reason}`);
  return reason;
}

/** A path on the code-server machine as a workbench URI; `{authority}` is filled in by start(). */
export function remoteUri(p: string): string {
  return `vscode-remote://{authority}${path.resolve(p)}`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url: string, proc: ChildProcess, log: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`code-server exited (${proc.exitCode}):\n${log.join('')}`);
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`code-server did not answer ${url} within ${timeoutMs} ms:\n${log.join('')}`);
}

// The recipe's settings: no start page, telemetry or update checks in the way of the test.
const BASE_SETTINGS = {
  'workbench.startupEditor': 'none',
  'telemetry.telemetryLevel': 'off',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'workbench.tips.enabled': false,
  'chat.commandCenter.enabled': false,
};

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface StatusSnapshot {
  text: string;
  label: string;
  icons: string[];
}

export interface StartOptions {
  /** Names the screenshot folder: test-results/<name>/. */
  name: string;
  /** A folder to copy into a temp dir and open as the workspace. */
  workspace: string;
  /** Extra user settings (e.g. `daglens.*`). */
  settings?: Record<string, unknown>;
  /** Default true; false tests restricted mode. */
  trustWorkspace?: boolean;
  /** The extension to install; default: the repo's daglens.vsix. */
  vsix?: string;
  /**
   * Workbench start-up payload entries, e.g. `['extensionDevelopmentPath', remoteUri(dir)]` and
   * `['extensionTestsPath', remoteUri(file)]` to run an extension test suite inside the real extension host.
   */
  payload?: Array<[string, string]>;
}

/** One code-server + Chromium page with the packaged extension installed, on a copy of a fixture workspace. */
export class VsCodeSession {
  /** Milliseconds since epoch when the workbench URL was requested (for "time to …" figures). */
  loadStartedAt = 0;
  private stepNo = 0;

  private constructor(
    readonly page: Page,
    readonly workspace: string,
    readonly url: string,
    private readonly browser: Browser,
    private readonly server: ChildProcess,
    private readonly root: string,
    private readonly shots: string,
    readonly serverLog: string[],
    /** The page's console: the workbench's messages, and the extension host's in extension-development mode. */
    readonly consoleLog: string[],
  ) {}

  static async start(opts: StartOptions): Promise<VsCodeSession> {
    const t = tools();
    if (typeof t === 'string') throw new Error(t);
    const root = mkdtempSync(path.join(os.tmpdir(), 'daglens-e2e-'));
    const userData = path.join(root, 'user-data');
    const extensions = path.join(root, 'extensions');
    const workspace = path.join(root, path.basename(opts.workspace));
    cpSync(opts.workspace, workspace, { recursive: true });
    mkdirSync(path.join(userData, 'User'), { recursive: true });
    writeFileSync(
      path.join(userData, 'User', 'settings.json'),
      JSON.stringify({ ...BASE_SETTINGS, ...opts.settings }, null, 2),
    );
    const shots = path.join(RESULTS, opts.name);
    rmSync(shots, { recursive: true, force: true });
    mkdirSync(shots, { recursive: true });

    // code-server's own config file lives in the temp root too (it would write ~/.config/code-server otherwise).
    // DagLens keeps indexes in the user cache (keyed by folder): the session's own, removed with it.
    const env = {
      ...process.env,
      CODE_SERVER_CONFIG: path.join(root, 'config.yaml'),
      XDG_CACHE_HOME: path.join(root, 'cache'),
    };
    const vsix = opts.vsix ?? VSIX;
    const inst = spawnSync(
      t.codeServer,
      ['--install-extension', vsix, '--extensions-dir', extensions, '--user-data-dir', userData],
      { encoding: 'utf8', env },
    );
    if (inst.status !== 0 || !/successfully installed/i.test(inst.stdout)) {
      rmSync(root, { recursive: true, force: true });
      throw new Error(
        `installing ${vsix} into code-server failed (exit ${inst.status}):\n${inst.stdout}\n${inst.stderr}`,
      );
    }

    const port = await freePort();
    const args = [
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--auth',
      'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--user-data-dir',
      userData,
      '--extensions-dir',
      extensions,
    ];
    if (opts.trustWorkspace !== false) args.push('--disable-workspace-trust');
    args.push(workspace);
    // Its own process group, so close() ends code-server with its extension host and our language server.
    const server = spawn(t.codeServer, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
    if (server.pid !== undefined) liveGroups.set(server.pid, root);
    const serverLog: string[] = [];
    const consoleLog: string[] = [];
    server.stdout!.on('data', (d) => serverLog.push(String(d)));
    server.stderr!.on('data', (d) => serverLog.push(String(d)));
    let browser: Browser | undefined;
    let page: Page | undefined;
    try {
      await waitForHttp(`http://127.0.0.1:${port}/healthz`, server, serverLog, 60_000);
      browser = await chromium.launch({ executablePath: t.chromium, args: CHROMIUM_ARGS });
      page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      page.on('console', (m) => consoleLog.push(`[${m.type()}] ${m.text()}`));
      const payload = (opts.payload ?? []).map(([k, v]) => [k, v.replace('{authority}', `127.0.0.1:${port}`)]);
      const url =
        `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}` +
        (payload.length ? `&payload=${encodeURIComponent(JSON.stringify(payload))}` : '');
      const session = new VsCodeSession(page, workspace, url, browser, server, root, shots, serverLog, consoleLog);
      session.loadStartedAt = Date.now();
      await page.goto(url);
      await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      await session.screenshot('workbench');
      return session;
    } catch (e) {
      await page?.screenshot({ path: path.join(shots, '00-start-FAILED.png') }).catch(() => undefined);
      await browser?.close().catch(() => undefined);
      await killGroup(server);
      rmSync(root, { recursive: true, force: true });
      if (e instanceof Error) e.message += `\ncode-server log:\n${serverLog.join('').slice(-3000)}`;
      throw e;
    }
  }

  /** Saves test-results/<name>/NN-<label>.png. */
  async screenshot(label: string): Promise<string> {
    const file = path.join(
      this.shots,
      `${String(++this.stepNo).padStart(2, '0')}-${label.replace(/[^\w.-]+/g, '-')}.png`,
    );
    await this.page.screenshot({ path: file }).catch(() => undefined);
    return file;
  }

  /** Runs one step of a test and screenshots after it; on failure the screenshot is named …-FAILED and the error says where. */
  async step<T>(label: string, fn: () => Promise<T>): Promise<T> {
    try {
      const out = await fn();
      await this.screenshot(label);
      return out;
    } catch (e) {
      const shot = await this.screenshot(`${label}-FAILED`);
      if (e instanceof Error) e.message += `\n(screenshot: ${path.relative(REPO, shot)})`;
      throw e;
    }
  }

  /** Opens a workspace file by clicking through the Explorer (`jobs/sales_job.py`), and waits for its editor. */
  async openFile(rel: string): Promise<void> {
    const parts = rel.split('/');
    const explorer = this.page.locator('.explorer-folders-view');
    await explorer.waitFor({ timeout: 30_000 });
    for (const [i, part] of parts.entries()) {
      const row = explorer.locator(`.monaco-list-row[aria-label="${part}"]`).first();
      await row.waitFor({ timeout: 30_000 });
      const isFile = i === parts.length - 1;
      if (isFile || (await row.getAttribute('aria-expanded')) !== 'true') await row.click();
    }
    const name = parts[parts.length - 1];
    await this.page
      .locator(`.tabs-container .tab[data-resource-name="${name}"], .tabs-container .tab[aria-label^="${name}"]`)
      .first()
      .waitFor({ timeout: 30_000 });
    await this.page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor({ timeout: 30_000 });
  }

  /** Runs a command from the Command Palette by its title, e.g. `DagLens: Restart Server`. */
  async runCommand(title: string): Promise<void> {
    await this.page.keyboard.press('F1');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 10_000 });
    await input.fill(`>${title}`);
    const first = this.page.locator('.quick-input-widget .monaco-list-row').first();
    await first.waitFor({ timeout: 10_000 });
    await this.page.keyboard.press('Enter');
  }

  /** The rows of a tree view (Outline, Explorer, …) as rendered: accessible label and depth (1 = top level). */
  async treeRows(tree: Locator): Promise<Array<{ label: string; level: number }>> {
    return tree.locator('.monaco-list-row').evaluateAll((rows) =>
      rows
        .map((r) => ({
          label: r.getAttribute('aria-label') ?? '',
          level: Number(r.getAttribute('aria-level')),
          top: parseFloat((r as HTMLElement).style.top),
        }))
        .sort((a, b) => a.top - b.top)
        .map(({ label, level }) => ({ label, level })),
    );
  }

  /** The DagLens status bar item (contributed with id `daglens.status`). */
  statusItem(): Locator {
    return this.page.locator('.statusbar-item[id$="daglens.status"]');
  }

  /**
   * Waits until the DagLens status bar item satisfies `ready`: its text, the codicons it shows and its
   * accessible label (VS Code puts the item's text and tooltip there).
   */
  async waitForStatus(ready: (s: StatusSnapshot) => boolean, timeoutMs = 60_000): Promise<StatusSnapshot> {
    const item = this.statusItem();
    const deadline = Date.now() + timeoutMs;
    let last: StatusSnapshot = { text: '', label: '', icons: [] };
    while (Date.now() < deadline) {
      if (await item.count()) {
        last = await item.first().evaluate((el) => ({
          text: (el.textContent ?? '').trim(),
          label: el.getAttribute('aria-label') ?? '',
          icons: Array.from(el.querySelectorAll('.codicon')).flatMap((i) =>
            Array.from(i.classList)
              .filter((c) => c.startsWith('codicon-'))
              .map((c) => c.slice(8)),
          ),
        }));
        if (ready(last)) return last;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(
      `the DagLens status item did not get ready within ${timeoutMs} ms; last seen: ${JSON.stringify(last)}`,
    );
  }

  /** Ends Chromium and code-server (with everything it started) and removes the temp folders. */
  async close(): Promise<void> {
    await this.browser.close().catch(() => undefined);
    await killGroup(this.server);
    rmSync(this.root, { recursive: true, force: true });
  }
}

// code-server runs detached (its own process group): make sure an interrupted or crashed test run does not
// leave it running on the machine.
const liveGroups = new Map<number, string>(); // code-server pid → the session's temp root
function killLiveGroups(): void {
  for (const [pid, root] of liveGroups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    rmSync(root, { recursive: true, force: true });
  }
  liveGroups.clear();
}
process.once('exit', killLiveGroups);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    killLiveGroups();
    process.kill(process.pid, sig);
  });
}

/** Kills a detached child's process group (code-server, its extension host, our server); waits for it to exit. */
async function killGroup(proc: ChildProcess): Promise<void> {
  if (proc.pid !== undefined) liveGroups.delete(proc.pid);
  if (proc.pid === undefined) return;
  const pid = proc.pid;
  if (proc.exitCode === null) {
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  }
  // Members of the group that outlived code-server (extension hosts ignoring SIGTERM) go too: they carry
  // the test's environment, fake API key included.
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* the whole group is gone */
  }
}
