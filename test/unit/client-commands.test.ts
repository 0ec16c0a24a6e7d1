/**
 * The client's commands as package.json shows them: every `daglens.*` context key a `when` clause reads is one
 * client/src/contextKeys.ts sets; a command shown only with a ready server is registered through the command
 * factory (so keybindings and links get the same answer); one rule for what a DAG file is; activation on the
 * languages and project markers DagLens reads, not on any Python file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isAirflowDagText, isDagCandidate, isPlanDocument } from '../../client/src/dagFiles';
import { REPO } from '../helpers';

const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8'));
const clientDir = path.join(REPO, 'client', 'src');
const clientSource = readdirSync(clientDir)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => readFileSync(path.join(clientDir, f), 'utf8'))
  .join('\n');
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function whenClauses(): Array<{ command: string; when: string }> {
  return Object.values(pkg.contributes.menus as Record<string, Array<{ command: string; when?: string }>>)
    .flat()
    .filter((m): m is { command: string; when: string } => typeof m.when === 'string');
}

test('every daglens.* context key in a when clause is one contextKeys.ts declares', () => {
  const keysSource = readFileSync(path.join(clientDir, 'contextKeys.ts'), 'utf8');
  const declared = [...keysSource.matchAll(/: '(daglens\.[\w.]+)'/g)].map((m) => m[1]);
  assert.deepEqual(declared.sort(), ['daglens.llmReady', 'daglens.runs.loaded', 'daglens.serverReady']);
  for (const { command, when } of whenClauses()) {
    for (const key of when.match(/daglens\.[\w.]+/g) ?? []) {
      if (key === 'daglens.runs' || key === 'daglens.chat') continue; // view ids (`view == daglens.runs`)
      assert.ok(declared.includes(key), `${command}: ${key} is set by the client`);
    }
  }
});

test('commands shown only with a ready server go through the command factory', () => {
  const gated = new Set(
    whenClauses()
      .filter((m) => /\bdaglens\.serverReady\b/.test(m.when))
      .map((m) => m.command),
  );
  assert.ok(gated.size >= 10, [...gated].join(', '));
  for (const command of gated) {
    assert.match(clientSource, new RegExp(`'${escape(command)}': \\{\\s*enabled:`), `${command} is a factory`);
  }
  // Entry points stay in the palette (they activate DagLens and say what is wrong).
  const palette = new Map(
    (pkg.contributes.menus.commandPalette as Array<{ command: string; when: string }>).map((m) => [m.command, m.when]),
  );
  const entryPoints = ['daglens.mapDag', 'daglens.runs.open', 'daglens.runs.connect', 'daglens.ask'];
  for (const entry of [...entryPoints, 'daglens.restartServer', 'daglens.showLogs', 'daglens.setApiKey']) {
    assert.equal(palette.get(entry), undefined, `${entry} is always in the palette`);
  }
});

test('one rule for a DAG file: plans, JSON, plan text and Airflow DAG files; not any Python or SQL', () => {
  const doc = (fileName: string, languageId: string, text = '') => ({ fileName, languageId, getText: () => text });
  assert.ok(isDagCandidate(doc('/w/q.explain.txt', 'sparkplan')));
  assert.ok(isDagCandidate(doc('/w/target/manifest.json', 'json')));
  assert.ok(isDagCandidate(doc('/w/q.plan', 'plaintext')));
  assert.ok(isDagCandidate(doc('/w/out.log', 'log', '== Physical Plan ==\n* Project (1)')));
  const airflow = 'from airflow import DAG\nwith DAG("d") as dag:\n    pass\n';
  assert.ok(isAirflowDagText(airflow));
  assert.ok(isDagCandidate(doc('/w/dags/d.py', 'python', airflow)));
  assert.ok(!isDagCandidate(doc('/w/jobs/job.py', 'python', 'import pyspark\n')));
  assert.ok(!isDagCandidate(doc('/w/models/m.sql', 'sql', 'select 1')));
  assert.ok(isPlanDocument(doc('/w/q.sparkplan', 'plaintext')));
  assert.ok(!isPlanDocument(doc('/w/notes.txt', 'plaintext', 'hello')));
});

test('activation: the languages DagLens reads and project markers, not any *.py in the workspace', () => {
  const events: string[] = pkg.activationEvents;
  for (const lang of ['python', 'sql', 'jinja-sql', 'sparkplan', 'scala', 'java']) {
    assert.ok(events.includes(`onLanguage:${lang}`), lang);
  }
  for (const marker of ['**/dbt_project.yml', '**/*.explain.txt', '**/dags/**/*.py']) {
    assert.ok(events.includes(`workspaceContains:${marker}`), marker);
  }
  assert.ok(!events.includes('workspaceContains:**/*.py'));
});
