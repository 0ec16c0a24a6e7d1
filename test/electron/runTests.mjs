// The conventional @vscode/test-electron run: starts a desktop VS Code with this repo as the extension under
// development and runs suite/index.ts inside its extension host.
//   VSCODE_EXECUTABLE_PATH=/path/to/code npm run test:electron   a local VS Code (nothing is downloaded)
//   DAGLENS_ELECTRON=1 npm run test:electron                      let @vscode/test-electron download VS Code
// On a headless Linux machine run it under xvfb-run. test/electron/electron.test.ts calls this script.
import { runTests } from '@vscode/test-electron';
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const executable = process.env.VSCODE_EXECUTABLE_PATH;
if (executable && !existsSync(executable)) {
  console.error(`VSCODE_EXECUTABLE_PATH=${executable} does not exist`);
  process.exit(2);
}
if (!executable && process.env.DAGLENS_ELECTRON !== '1') {
  console.error(
    'refusing to download VS Code: set VSCODE_EXECUTABLE_PATH to a local VS Code, or DAGLENS_ELECTRON=1 to allow the download',
  );
  process.exit(2);
}

const build = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
// The suite runs inside VS Code's extension host: bundle it to CommonJS with `vscode` left to the host.
const suite = path.join(root, '.vscode-test', 'suite', 'index.js');
await esbuild.build({
  entryPoints: [path.join(root, 'test/electron/suite/index.ts')],
  outfile: suite,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['vscode'],
  sourcemap: true,
  logLevel: 'warning',
});

const workspace = mkdtempSync(path.join(os.tmpdir(), 'daglens-electron-'));
cpSync(path.join(root, 'test/fixtures/workspace'), workspace, { recursive: true });
try {
  await runTests({
    vscodeExecutablePath: executable,
    extensionDevelopmentPath: root,
    extensionTestsPath: suite,
    launchArgs: [
      workspace,
      '--disable-extensions',
      '--disable-workspace-trust',
      '--skip-welcome',
      '--skip-release-notes',
    ],
    extensionTestsEnv: { DAGLENS_TEST_WORKSPACE: workspace },
  });
} catch (e) {
  console.error(`the electron suite failed: ${e instanceof Error ? e.message : e}`);
  process.exitCode = 1;
} finally {
  rmSync(workspace, { recursive: true, force: true });
}
