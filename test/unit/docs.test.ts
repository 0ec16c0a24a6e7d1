/**
 * The documentation stays true to the repository: the README's settings table names exactly the settings
 * package.json contributes (a setting added, renamed or removed without the README fails here), and every
 * relative link or image in the README, docs/*.md and the engine subsystems' READMEs points at a file that exists
 * (and, for a `#fragment` into a Markdown file, at a heading it has), as does every source path they name — so a
 * file moved or renamed by a refactor fails here until the documentation follows it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { REPO } from '../helpers';

const read = (file: string) => readFileSync(file, 'utf8');

/** Every `daglens.*` setting package.json contributes (one configuration object, or titled sections). */
function contributedSettings(): string[] {
  const pkg = JSON.parse(read(path.join(REPO, 'package.json')));
  const config = pkg.contributes.configuration;
  const sections: Array<{ properties?: Record<string, unknown> }> = Array.isArray(config) ? config : [config];
  return sections.flatMap((s) => Object.keys(s.properties ?? {}));
}

/** The text between `<!-- section:NAME -->` and `<!-- /section:NAME -->`. */
function section(markdown: string, name: string): string {
  const start = markdown.indexOf(`<!-- section:${name} -->`);
  const end = markdown.indexOf(`<!-- /section:${name} -->`);
  assert.ok(start >= 0 && end > start, `the README has a ${name} section`);
  return markdown.slice(start, end);
}

test('the README settings table names every setting package.json contributes, and no other', () => {
  const table = section(read(path.join(REPO, 'README.md')), 'settings');
  // First cell of each table row: | `daglens.x.y` | default | what it does |
  const documented = [...table.matchAll(/^\|\s*`(daglens\.[\w.]+)`\s*\|/gm)].map((m) => m[1]);
  const contributed = contributedSettings();
  const dupes = documented.filter((s, i) => documented.indexOf(s) !== i);
  assert.deepEqual(dupes, [], 'each setting is listed once');
  assert.deepEqual(
    contributed.filter((s) => !documented.includes(s)).sort(),
    [],
    'settings missing from the README table',
  );
  assert.deepEqual(
    documented.filter((s) => !contributed.includes(s)).sort(),
    [],
    'README rows for settings package.json does not have',
  );
});

/** Markdown without fenced code blocks and inline code (their brackets are not links). */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/(`+)[\s\S]*?\1/g, '');
}

/** GitHub's anchor for a heading: lower case, punctuation and symbols dropped, spaces to hyphens. */
function slug(heading: string): string {
  const text = heading
    .replace(/`/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  const seen = new Map<string, number>();
  for (const m of prose(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n ? `${base}-${n}` : base);
  }
  return out;
}

function docFiles(): string[] {
  const docs = path.join(REPO, 'docs');
  const engine = path.join(REPO, 'server', 'src', 'engine');
  return [
    path.join(REPO, 'README.md'),
    ...readdirSync(docs)
      .filter((f) => f.endsWith('.md'))
      .map((f) => path.join(docs, f)),
    ...readdirSync(engine, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(path.join(engine, d.name, 'README.md')))
      .map((d) => path.join(engine, d.name, 'README.md')),
  ];
}

test('every relative link and image in the README and docs/ points at a file (and heading) that exists', () => {
  const broken: string[] = [];
  for (const file of docFiles()) {
    const text = read(file);
    for (const m of prose(text).matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = m[1];
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:, command: …
      const [rel, fragment] = target.split('#', 2) as [string, string | undefined];
      const where = `${path.relative(REPO, file)}: ${target}`;
      if (rel.startsWith('/')) {
        broken.push(`${where} (absolute: links must be relative to work in the repository and the .vsix)`);
        continue;
      }
      const resolved = rel ? path.resolve(path.dirname(file), decodeURIComponent(rel)) : file;
      if (!existsSync(resolved)) {
        broken.push(`${where} (no such file)`);
        continue;
      }
      if (fragment && resolved.endsWith('.md') && !anchors(read(resolved)).has(fragment))
        broken.push(`${where} (no such heading)`);
    }
  }
  assert.deepEqual(broken, []);
});

test('the README shows images only from docs/screenshots (the ones the .vsix carries)', () => {
  const readme = prose(read(path.join(REPO, 'README.md')));
  const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]);
  assert.ok(images.length >= 9, 'the screenshots are shown');
  assert.deepEqual(
    images.filter((src) => !/^docs\/screenshots\/[\w.-]+\.png$/.test(src)),
    [],
  );
});

/** Every file under `dir`, as paths relative to REPO with forward slashes. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [path.relative(REPO, p).split(path.sep).join('/')];
  });
}

/** Where the docs name code: folders whose paths are written from the repository root. */
const ROOTED = /^(server|client|media|test|bench|scripts|docs|examples|syntaxes)\//;

test('every source path the README and docs/ name in backticks exists', () => {
  const missing: string[] = [];
  for (const file of docFiles().filter((f) => !f.includes(`${path.sep}engine${path.sep}`))) {
    const withoutFences = read(file).replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
    for (const m of withoutFences.matchAll(/`([^`\s]+)`/g)) {
      const named = m[1].replace(/:\d+(-\d+)?$/, ''); // file:line
      if (!ROOTED.test(named) || /[*<>{}]/.test(named)) continue; // globs and placeholders name no one file
      if (!existsSync(path.join(REPO, named))) missing.push(`${path.relative(REPO, file)}: ${named}`);
    }
  }
  assert.deepEqual(missing, []);
});

test('every .ts file an engine subsystem README names exists in that subsystem (or elsewhere in server/src)', () => {
  const serverFiles = filesUnder(path.join(REPO, 'server', 'src'));
  const missing: string[] = [];
  for (const file of docFiles().filter((f) => f.includes(`${path.sep}engine${path.sep}`))) {
    const subsystem = path.relative(REPO, path.dirname(file)).split(path.sep).join('/') + '/';
    for (const m of read(file).matchAll(/(?<![\w/.])([\w/]+\.ts)\b/g)) {
      const named = m[1];
      const found = (f: string) => `/${f}`.endsWith(`/${named}`);
      if (!serverFiles.some((f) => f.startsWith(subsystem) && found(f)) && !serverFiles.some(found)) {
        missing.push(`${path.relative(REPO, file)}: ${named}`);
      }
    }
  }
  assert.deepEqual(missing, []);
});
