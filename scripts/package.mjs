// `npm run package`: the production build, then daglens.vsix with @vscode/vsce, offline.
// The .vsix carries native addons built for this machine, so it is marked platform-specific (`--target`):
// VS Code then refuses it on another platform instead of failing at run time. Build one per platform you ship.
import { createVSIX } from '@vscode/vsce';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** VS Code's name for this platform (linux-x64, darwin-arm64, alpine-x64, linux-armhf, …). */
export function vscodeTarget(platform = process.platform, arch = process.arch) {
  const musl = platform === 'linux' && !process.report?.getReport().header.glibcVersionRuntime;
  const os = musl ? 'alpine' : platform;
  return `${os}-${arch === 'arm' ? 'armhf' : arch}`;
}

const build = spawnSync(process.execPath, ['esbuild.mjs', '--production'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

try {
  await createVSIX({
    cwd: root,
    packagePath: path.join(root, 'daglens.vsix'),
    target: vscodeTarget(),
    dependencies: false, // the bundles in dist/ (and the addons copied into dist/node_modules) are all that runs
    allowMissingRepository: true,
    skipLicense: true,
    // The README's screenshots are packaged (see .vscodeignore) and its relative links kept, so the Extensions
    // view shows them from the installed extension; there is no public repository to rewrite them to.
    rewriteRelativeLinks: false,
  });
} catch (e) {
  console.error(`packaging failed: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
}
