// The client in a real VS Code (code-server + Chromium, the packaged .vsix): the "DagLens" output channel
// carries the server's log, and "DagLens: Restart Server" brings up a new server that gets ready again.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { FIXTURES } from '../helpers';
import { e2eSkipReason, VsCodeSession } from './harness';

const skip = e2eSkipReason();
if (skip) console.log(`# e2e skipped: ${skip}`);

const SCANNED = /read .*: \d+ files, \d+ chunks, \d+ skipped/;
/** How many times the log says a server finished reading the workspace. */
const scans = (log: string) => log.split('\n').filter((l) => SCANNED.test(l)).length;

describe('the DagLens client in a real VS Code', { skip }, () => {
  let vs: VsCodeSession;

  before(async () => {
    vs = await VsCodeSession.start({ name: 'client', workspace: path.join(FIXTURES, 'workspace') });
  });
  after(async () => {
    await vs?.close();
  });

  /** The text of the Output panel's editor (what the visible channel shows); Monaco renders spaces as U+00A0. */
  const outputText = async () =>
    (await vs.page.locator('.part.panel .monaco-editor .view-lines').first().innerText()).replace(/\u00a0/g, ' ');
  async function outputUntil(pred: (text: string) => boolean, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let text = '';
    while (Date.now() < deadline) {
      text = await outputText().catch(() => '');
      if (pred(text)) return text;
      await vs.page.waitForTimeout(200);
    }
    throw new Error(`the Output panel did not show what was expected within ${timeoutMs} ms; it shows:\n${text}`);
  }

  test('activates on the workspace (no file opened) and the status item gets ready', async () => {
    await vs.step('status-ready', () => vs.waitForStatus((s) => s.icons.includes('type-hierarchy')));
  });

  // Settings VS Code fills in for us (e.g. 0 for an integer setting without a default) must not read as invalid.
  test('a clean start with default settings raises no DagLens warning or error', async () => {
    await vs.step('notifications', () => vs.runCommand('Notifications: Show Notifications'));
    const center = vs.page.locator('.notifications-center');
    await center.waitFor({ timeout: 10_000 });
    // Severity is the item's icon; the source line names the extension.
    const items = await center.locator('.notification-list-item').evaluateAll((els) =>
      els.map((e) => ({
        severity: e.querySelector('.notification-list-item-icon.codicon-error')
          ? 'error'
          : e.querySelector('.notification-list-item-icon.codicon-warning')
            ? 'warning'
            : 'info',
        text: (e.textContent ?? '').replace(/\s+/g, ' ').trim(),
      })),
    );
    await vs.page.keyboard.press('Escape');
    const ours = items.filter((n) => n.severity !== 'info' && /Source: DagLens/.test(n.text));
    assert.deepEqual(ours, [], 'no DagLens warnings or errors on a clean start');
  });

  test('"DagLens: Show Logs" opens the DagLens output channel with the server\'s log', async () => {
    await vs.step('show-logs', () => vs.runCommand('DagLens: Show Logs'));
    const text = await vs.step('server-log', () => outputUntil((t) => scans(t) > 0));
    assert.match(text, /\[info\]/, 'a log channel, with levels');
    // The Output view's channel picker shows which channel this is.
    const channel = await vs.page
      .locator('.part.panel select.monaco-select-box')
      .first()
      .evaluate((el) => (el as HTMLSelectElement).selectedOptions[0]?.text ?? '');
    assert.equal(channel, 'DagLens');
  });

  test('"DagLens: Restart Server" starts a new server that scans the workspace again', async () => {
    const before = scans(await outputText());
    await vs.step('restart', () => vs.runCommand('DagLens: Restart Server'));
    await vs.step('restarted-message', () =>
      vs.page.locator('.statusbar-item', { hasText: 'DagLens: server restarted' }).first().waitFor({ timeout: 30_000 }),
    );
    await vs.step('status-ready-again', () => vs.waitForStatus((s) => s.icons.includes('type-hierarchy')));
    await vs.step('log-after-restart', () => outputUntil((t) => scans(t) > before));
  });
});
