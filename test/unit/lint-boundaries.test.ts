// The layer boundaries are lint rules (eslint.config.mjs): an import across a boundary must fail `npm run lint`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ESLint } from 'eslint';
import { REPO } from '../helpers';

const eslint = new ESLint({ cwd: REPO });

async function restricted(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${REPO}/${filePath}` });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

test('the engine imports nothing of VS Code, LSP, the adapters or the client', async () => {
  assert.match(
    (
      await restricted(
        'server/src/engine/lineage/x.ts',
        "import * as vscode from 'vscode';\nexport const v = vscode;\n",
      )
    )[0] ?? '',
    /engine knows nothing/,
  );
  assert.equal(
    (
      await restricted(
        'server/src/engine/x.ts',
        "import { createConnection } from 'vscode-languageserver/node';\nexport const c = createConnection;\n",
      )
    ).length,
    1,
  );
  assert.equal(
    (
      await restricted(
        'server/src/engine/dag/x.ts',
        "import { serve } from '../../lsp/server';\nexport const s = serve;\n",
      )
    ).length,
    1,
  );
  assert.deepEqual(
    await restricted(
      'server/src/engine/dag/x.ts',
      "import { z } from 'zod';\nimport { t } from '../text/lineTable';\nexport const a = [z, t];\n",
    ),
    [],
  );
});

/** A module that imports one name from each of `from`. */
const importing = (...from: string[]) =>
  `${from.map((f, i) => `import { x${i} } from '${f}';\n`).join('')}export const a = 0;\n`;

test("the engine may import the protocol's contracts, never its LSP layer", async () => {
  const engine = (from: string) => restricted('server/src/engine/dag/x.ts', importing(from));
  assert.deepEqual(await engine('../../protocol/contracts'), []);
  assert.deepEqual(await engine('../../protocol/contracts/dag'), []);
  const lspLayer = ['../../protocol', '../../protocol/index', '../../protocol/lsp', '@daglens/protocol'];
  for (const from of [...lspLayer, 'vscode-languageserver-protocol']) {
    assert.equal((await engine(from)).length, 1, from);
  }
});

test('protocol contracts and webview messages import only zod; protocol/lsp.ts adds the LSP types', async () => {
  const lint = (file: string, ...from: string[]) => restricted(`server/src/protocol/${file}`, importing(...from));
  assert.deepEqual(await lint('contracts/runs.ts', 'zod', './dag'), []);
  assert.equal((await lint('contracts/runs.ts', 'vscode-languageserver-protocol')).length, 1);
  assert.equal((await lint('contracts/runs.ts', '../lsp')).length, 1);
  assert.equal((await lint('webview.ts', './lsp')).length, 1);
  assert.deepEqual(await lint('lsp.ts', 'zod', 'vscode-languageserver-protocol', './contracts'), []);
  assert.equal((await lint('lsp.ts', '../engine/engine')).length, 1);
});

test('the client reaches the server only through the protocol', async () => {
  assert.equal(
    (
      await restricted(
        'client/src/x.ts',
        "import { Engine } from '../../server/src/engine/engine';\nexport const e = Engine;\n",
      )
    ).length,
    1,
  );
  assert.deepEqual(
    await restricted(
      'client/src/x.ts',
      "import * as vscode from 'vscode';\nimport { MapDagRequest } from '@daglens/protocol';\nexport const a = [vscode, MapDagRequest];\n",
    ),
    [],
  );
});

test('a webview sees only the protocol and its own modules', async () => {
  assert.equal(
    (await restricted('media/src/graph/x.ts', "import * as vscode from 'vscode';\nexport const v = vscode;\n")).length,
    1,
  );
  assert.equal(
    (
      await restricted(
        'media/src/chat/x.ts',
        "import { Engine } from '../../../server/src/engine/engine';\nexport const e = Engine;\n",
      )
    ).length,
    1,
  );
  assert.equal(
    (
      await restricted(
        'media/src/chat/x.ts',
        "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n",
      )
    ).length,
    1,
  );
  const page = (from: string) => restricted('media/src/chat/x.ts', importing(from));
  assert.deepEqual(await page('zod'), []);
  assert.deepEqual(await page('@daglens/protocol/webview'), []);
  assert.deepEqual(await page('@daglens/protocol/contracts'), []);
  // The LSP module (and the barrel that re-exports it) would pull JSON-RPC into the page.
  for (const from of ['@daglens/protocol/lsp', '@daglens/protocol', 'vscode-languageserver-protocol']) {
    assert.equal((await page(from)).length, 1, from);
  }
});
