/**
 * The Spark plan TextMate grammar, run over real plans with a small TextMate-style matcher (earliest match
 * wins, ties by rule order, captures become scopes). The grammar keeps to regex syntax JavaScript shares
 * with Oniguruma, which this test also checks by compiling every rule.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES, REPO, requireCorpora } from '../helpers';

interface Rule {
  match?: string;
  name?: string;
  captures?: Record<string, { name: string }>;
  include?: string;
  patterns?: Rule[];
}
const grammar = JSON.parse(readFileSync(path.join(REPO, 'syntaxes', 'sparkplan.tmLanguage.json'), 'utf8')) as {
  patterns: Rule[];
  repository: Record<string, Rule>;
};

function flatten(rules: Rule[]): Array<{ re: RegExp; rule: Rule }> {
  return rules.flatMap((r) => {
    if (r.include) return flatten([grammar.repository[r.include.slice(1)]]);
    if (r.patterns) return flatten(r.patterns);
    return [{ re: new RegExp(r.match!, 'dg'), rule: r }];
  });
}
const RULES = flatten(grammar.patterns);

/** [text, scope] pieces of one line. */
function tokenizeLine(line: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let pos = 0;
  while (pos < line.length) {
    let best: { m: RegExpExecArray; rule: Rule } | undefined;
    for (const { re, rule } of RULES) {
      re.lastIndex = pos;
      const m = re.exec(line);
      // `^` only matches at the line start, as in TextMate.
      if (m && m[0].length > 0 && (!best || m.index < best.m.index)) best = { m, rule };
    }
    if (!best) break;
    const { m, rule } = best;
    if (rule.name) out.push([m[0], rule.name]);
    for (const [k, c] of Object.entries(rule.captures ?? {})) {
      const text = m[Number(k)];
      if (text) out.push([text, c.name]);
    }
    pos = m.index + m[0].length;
  }
  return out;
}

const scopesOf = (line: string, scope: string) =>
  tokenizeLine(line)
    .filter(([, s]) => s.startsWith(scope))
    .map(([t]) => t);

test('every rule compiles as a JavaScript regex (the subset Oniguruma shares)', () => {
  assert.ok(RULES.length >= 10);
});

test('Spark 3 EXPLAIN EXTENDED: headers, log lines, operators on tree lines, attributes', () => {
  const lines = readFileSync(path.join(requireCorpora(), 'spark-tpcds/spark3/plans/query03.explain.txt'), 'utf8').split(
    '\n',
  );
  assert.deepEqual(scopesOf(lines[53], 'markup.heading'), ['Physical Plan']);
  assert.deepEqual(scopesOf(lines[2], 'comment.line'), [lines[2]]);
  assert.deepEqual(scopesOf(lines[60], 'entity.name.function.operator'), ['BroadcastHashJoin']);
  assert.deepEqual(scopesOf(lines[60], 'variable.other.attribute'), ['ss_item_sk', 'i_item_sk']);
  assert.deepEqual(scopesOf(lines[60], 'keyword.other.join'), ['Inner', 'BuildRight']);
  assert.deepEqual(scopesOf(lines[7], 'keyword.operator.unresolved'), ["'"], "parsed plan's unresolved marker");
  assert.ok(scopesOf(lines[65], 'constant.numeric.sparkplan').includes('11'));
  assert.deepEqual(scopesOf(lines[74], 'comment.line'), [lines[74]], 'Time taken');
});

test('Spark 2 codegen stages and EXPLAIN FORMATTED ids, detail blocks and fields', () => {
  const s2 = readFileSync(path.join(requireCorpora(), 'spark-tpcds/spark2/plans/query05.explain.txt'), 'utf8').split(
    '\n',
  );
  assert.deepEqual(scopesOf(s2[201], 'storage.modifier.codegen'), ['*(21) ']);
  assert.deepEqual(scopesOf(s2[201], 'entity.name.function.operator'), ['HashAggregate']);
  const f = readFileSync(path.join(FIXTURES, 'dag', 'q3.formatted.txt'), 'utf8').split('\n');
  assert.deepEqual(scopesOf(f[2], 'entity.name.function.operator'), ['HashAggregate']);
  assert.deepEqual(scopesOf(f[2], 'constant.numeric.operator-id'), ['20']);
  const header = f.findIndex((l) => l.startsWith('(3) Filter'));
  assert.deepEqual(scopesOf(f[header], 'entity.name.function.operator'), ['Filter']);
  assert.deepEqual(scopesOf(f[header + 2], 'variable.other.field'), ['Condition']);
  assert.deepEqual(scopesOf(f[header + 2], 'support.function'), ['isnotnull', 'isnotnull']);
});
