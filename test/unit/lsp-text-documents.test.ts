// Incremental edits with line numbers past the end (a fuzz case: line 2^31) must not corrupt the open document.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { applyChanges } from '../../server/src/lsp/textDocuments';

const lines = Array.from({ length: 10 }, (_, i) => `line ${i}`).join('\n') + '\n';
/** The library's line-offset table (private): its length must stay the document's line count. */
const offsetTable = (d: TextDocument) => (d as unknown as { _lineOffsets?: number[] })._lineOffsets?.length ?? 0;

test('an edit whose range lies past the last line appends at the end and keeps the line table small', () => {
  const doc = TextDocument.create('file:///x.sql', 'sql', 1, lines);
  assert.equal(doc.lineCount, 11); // builds the table the library then updates in place
  const out = applyChanges(
    doc,
    [
      {
        range: { start: { line: 2147483647, character: 1e308 }, end: { line: 2147483648, character: 57 } },
        text: ' -- comment\n',
      },
    ],
    2,
  );
  assert.equal(out.getText(), `${lines} -- comment\n`);
  assert.equal(out.lineCount, 12);
  assert.ok(offsetTable(out) <= out.lineCount, `line table of ${offsetTable(out)} entries`);
  // The next edit (one the fuzz case sent: start after end, end past the document) applies at once.
  const next = applyChanges(
    out,
    [{ range: { start: { line: 9, character: 97 }, end: { line: 3, character: 2 } }, text: 'X' }],
    3,
  );
  assert.match(next.getText(), /^line 0\nline 1\nline 2\nliX\n -- comment\n$/);
});

test('fractional, negative and NaN positions become whole positions inside the document', () => {
  const doc = TextDocument.create('file:///x.sql', 'sql', 1, 'abc\ndef\n');
  const out = applyChanges(
    doc,
    [
      { range: { start: { line: -5, character: -1 }, end: { line: 0, character: 1.7 } }, text: 'Z' },
      { range: { start: { line: Number.NaN, character: 0 }, end: { line: 0, character: 0 } }, text: '>' },
    ],
    2,
  );
  assert.equal(out.getText(), '>Zbc\ndef\n');
  assert.equal(out.lineCount, 3);
});

test('full-text changes pass through untouched', () => {
  const doc = TextDocument.create('file:///x.sql', 'sql', 1, 'a\n');
  assert.equal(applyChanges(doc, [{ text: 'select 1\n' }], 2).getText(), 'select 1\n');
});
