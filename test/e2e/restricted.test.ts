// Restricted Mode: the manifest declares limited support for untrusted workspaces ("parses and maps code
// locally"), so in a real VS Code that does not trust the folder the extension still runs and the Outline
// still lists the server's symbols.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { FIXTURES } from '../helpers';
import { e2eSkipReason, VsCodeSession } from './harness';

const skip = e2eSkipReason();
if (skip) console.log(`# e2e skipped: ${skip}`);

describe('DagLens in Restricted Mode (untrusted workspace)', { skip }, () => {
  let vs: VsCodeSession;

  before(async () => {
    vs = await VsCodeSession.start({
      name: 'restricted',
      workspace: path.join(FIXTURES, 'workspace'),
      trustWorkspace: false,
      // No start-up trust prompt: the folder simply opens untrusted.
      settings: {
        'security.workspace.trust.startupPrompt': 'never',
        'security.workspace.trust.untrustedFiles': 'open',
      },
    });
  });
  after(async () => {
    await vs?.close();
  });

  test('the workspace is untrusted, the server still gets ready and the Outline lists symbols', async () => {
    await vs.step('restricted-mode', () =>
      vs.page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor({ timeout: 30_000 }),
    );
    await vs.step('status-ready', () => vs.waitForStatus((s) => s.icons.includes('type-hierarchy')));
    await vs.step('open-file', () => vs.openFile('jobs/sales_job.py'));
    await vs.step('outline-view', () => vs.runCommand('Explorer: Focus on Outline View'));
    const tree = vs.page.locator('.outline-pane .outline-tree');
    await vs.step('outline-symbols', () =>
      tree.locator('.monaco-list-row[aria-label="main (function)"]').waitFor({ timeout: 30_000 }),
    );
    const rows = await vs.treeRows(tree);
    assert.deepEqual(
      rows.filter((r) => r.level === 1).map((r) => r.label),
      ['SalesJob (class)', 'main (function)'],
    );
  });
});
