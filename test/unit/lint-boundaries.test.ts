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
  assert.match((await restricted('server/src/engine/lineage/x.ts', "import * as vscode from 'vscode';\nexport const v = vscode;\n"))[0] ?? '', /engine knows nothing/);
  assert.equal((await restricted('server/src/engine/x.ts', "import { createConnection } from 'vscode-languageserver/node';\nexport const c = createConnection;\n")).length, 1);
  assert.equal((await restricted('server/src/engine/dag/x.ts', "import { serve } from '../../lsp/server';\nexport const s = serve;\n")).length, 1);
  assert.deepEqual(await restricted('server/src/engine/dag/x.ts', "import { z } from 'zod';\nimport { t } from '../text/lineTable';\nexport const a = [z, t];\n"), []);
});

test('the client reaches the server only through the protocol', async () => {
  assert.equal((await restricted('client/src/x.ts', "import { Engine } from '../../server/src/engine/engine';\nexport const e = Engine;\n")).length, 1);
  assert.deepEqual(await restricted('client/src/x.ts', "import * as vscode from 'vscode';\nimport { MapDagRequest } from '@daglens/protocol';\nexport const a = [vscode, MapDagRequest];\n"), []);
});

test('a webview sees only the protocol and its own modules', async () => {
  assert.equal((await restricted('media/src/graph/x.ts', "import * as vscode from 'vscode';\nexport const v = vscode;\n")).length, 1);
  assert.equal((await restricted('media/src/chat/x.ts', "import { Engine } from '../../../server/src/engine/engine';\nexport const e = Engine;\n")).length, 1);
  assert.equal((await restricted('media/src/chat/x.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n")).length, 1);
  assert.deepEqual(await restricted('media/src/chat/x.ts', "import { z } from 'zod';\nimport { WebviewMessage } from '@daglens/protocol';\nexport const a = [z, WebviewMessage];\n"), []);
});
