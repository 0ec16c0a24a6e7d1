// The conventional extension test suite (test/electron/suite, written for @vscode/test-electron) run for real
// here: inside code-server's extension host, with this repo as the extension under development. The remote
// extension host logs exit code 0 even when the suite rejects, so the suite's own per-test lines and summary
// (forwarded to the page console in extension-development mode) are what decide; the exit code catches crashes.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { FIXTURES, REPO } from '../helpers';
import { e2eSkipReason, remoteUri, VsCodeSession } from './harness';

const skip = e2eSkipReason();
if (skip) console.log(`# e2e skipped: ${skip}`);

describe("the @vscode/test-electron suite inside code-server's extension host", { skip }, () => {
  let vs: VsCodeSession;
  let bundleDir: string;

  before(async () => {
    bundleDir = mkdtempSync(path.join(os.tmpdir(), 'daglens-suite-'));
    const suite = path.join(bundleDir, 'index.js');
    await esbuild.build({
      entryPoints: [path.join(REPO, 'test/electron/suite/index.ts')],
      outfile: suite,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: ['vscode'],
      logLevel: 'warning',
    });
    vs = await VsCodeSession.start({
      name: 'extension-host-suite',
      workspace: path.join(FIXTURES, 'workspace'),
      payload: [
        ['extensionDevelopmentPath', remoteUri(REPO)],
        ['extensionTestsPath', remoteUri(suite)],
      ],
    });
  });
  after(async () => {
    await vs?.close();
    if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
  });

  test('every test of the suite passes in the real extension host', async () => {
    const exit = await vs.step('suite-finished', async () => {
      const deadline = Date.now() + 120_000;
      for (;;) {
        const m = /Extension Host Process exited with code: (\d+)/.exec(vs.serverLog.join(''));
        if (m) return Number(m[1]);
        if (Date.now() > deadline) throw new Error(`the suite did not finish within 120 s:\n${vs.serverLog.join('')}`);
        await vs.page.waitForTimeout(250);
      }
    });
    const results = vs.consoleLog.filter((l) => /[✔✖] /.test(l)).map((l) => l.replace(/^.*?([✔✖] )/, '$1'));
    console.log(results.map((r) => `# ${r}`).join('\n'));
    assert.equal(
      exit,
      0,
      `the extension host reports the suite failed:\n${vs.consoleLog.filter((l) => /error|✖/i.test(l)).join('\n')}`,
    );
    assert.ok(
      results.length >= 3 && results.every((r) => r.startsWith('✔')),
      `all suite tests ran and passed: ${JSON.stringify(results)}`,
    );
    const summary = vs.consoleLog.map((l) => /DagLens suite: (\d+) of (\d+) passed/.exec(l)).find(Boolean);
    assert.ok(summary, 'the suite ran to its end');
    assert.equal(summary[1], summary[2]);
    assert.equal(Number(summary[2]), results.length);
  });
});
