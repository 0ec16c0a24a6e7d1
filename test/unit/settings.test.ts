import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseSettings } from '../../server/src/engine/config';
import { parseLlmSettings } from '../../server/src/engine/llm/settings';
import { REPO } from '../helpers';

/** What VS Code hands the server for an untouched install: every declared default, nested by dots. */
function manifestDefaults(): Record<string, unknown> {
  const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8'));
  const config = Array.isArray(pkg.contributes.configuration)
    ? pkg.contributes.configuration
    : [pkg.contributes.configuration];
  const out: Record<string, unknown> = {};
  for (const c of config) {
    for (const [key, spec] of Object.entries<{ default?: unknown; type?: string | string[] }>(c.properties)) {
      const parts = key.replace(/^daglens\./, '').split('.');
      let o = out;
      for (const p of parts.slice(0, -1)) o = (o[p] ??= {}) as Record<string, unknown>;
      // VS Code fills a setting without a default with its type's empty value.
      const type = Array.isArray(spec.type) ? spec.type[0] : spec.type;
      o[parts[parts.length - 1]] =
        'default' in spec
          ? spec.default
          : type === 'integer' || type === 'number'
            ? 0
            : type === 'string'
              ? ''
              : type === 'boolean'
                ? false
                : type === 'array'
                  ? []
                  : {};
    }
  }
  return out;
}

test('the settings a fresh VS Code sends (every manifest default) are all valid', () => {
  const defaults = manifestDefaults();
  assert.deepEqual(parseSettings(defaults).problems, []);
  assert.deepEqual(parseLlmSettings(defaults).problems, []);
});

test('an invalid value is reported and replaced by its default, the rest kept', () => {
  const r = parseSettings({ maxFileBytes: -5, useGitignore: false, exclude: 'not-a-list' });
  assert.equal(r.settings.maxFileBytes, 1_000_000);
  assert.equal(r.settings.useGitignore, false);
  assert.ok(Array.isArray(r.settings.exclude));
  assert.equal(r.problems.length, 2);
  assert.match(r.problems.join('\n'), /daglens\.maxFileBytes: .*using the default/);
});
