/** Reading runs from disk: codecs, rolling folders, cut and corrupt files, bad input, progress, cancellation. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { RunsCancelled, RunsInputError } from '../../server/src/engine/runs/errors';
import { readLines } from '../../server/src/engine/runs/input/lineReader';
import { describeSource } from '../../server/src/engine/runs/input/sources';
import { readRunPath } from '../../server/src/engine/runs/read';
import { requireCorpora } from '../helpers';

const LOGS = () => path.join(requireCorpora(), 'spark-eventlogs', 'logs');
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'daglens-runs-'));

async function textOf(file: string): Promise<string[]> {
  const lines: string[] = [];
  const src = describeSource(file);
  assert.equal(src.kind, 'eventLog');
  if (src.kind !== 'eventLog') return lines;
  await readLines(src.parts, (l) => lines.push(l));
  return lines;
}

async function run(p: string, opts = {}) {
  const r = await readRunPath(p, opts);
  assert.equal(r.kind, 'run');
  if (r.kind !== 'run') throw new Error('not a run');
  return r;
}

test('zstd, gzip and plain event logs read to the same events', async () => {
  const zstd = path.join(LOGS(), 'e2e_local_stale.zstd');
  const lines = await textOf(zstd);
  assert.equal(lines.length, 274, 'the e2e log has 274 JSON lines (zstd -dc | wc -l)');
  assert.ok(lines.every((l) => l.startsWith('{"Event":')));
  const dir = tmp();
  writeFileSync(path.join(dir, 'app.json'), lines.join('\n') + '\n');
  writeFileSync(path.join(dir, 'app.gz'), gzipSync(lines.join('\r\n') + '\r\n'));
  assert.deepEqual(await textOf(path.join(dir, 'app.json')), lines);
  assert.deepEqual(await textOf(path.join(dir, 'app.gz')), lines, 'CRLF line ends are read like LF');
  const [a, b, c] = await Promise.all([zstd, path.join(dir, 'app.json'), path.join(dir, 'app.gz')].map((f) => run(f)));
  for (const r of [b, c]) {
    assert.deepEqual(
      r.run.executions.map((x) => [x.executionId, x.description, x.startTime, x.endTime]),
      a.run.executions.map((x) => [x.executionId, x.description, x.startTime, x.endTime]),
    );
  }
  assert.equal(a.run.app.id, 'local-1776286786993');
  assert.equal(a.run.app.sparkVersion, '4.1.0');
  assert.equal(a.run.executions.length, 10);
  assert.equal(a.source.kind, 'eventLog');
});

test('the gzip log of a run still going: the execution without an end is running', async () => {
  const r = await run(path.join(LOGS(), 'db_sim.gz'));
  assert.equal(r.run.executions.length, 1);
  assert.equal(r.run.executions[0].endTime, null);
  assert.equal(r.run.app.endTime, null);
});

test('a rolling event log folder is read part after part; its parts are zstd; a missing part is said, the rest kept', async () => {
  const folder = path.join(LOGS(), 'eventlog_v2_local-1623876083964');
  const whole = await run(folder);
  assert.equal(whole.source.kind, 'rollingEventLog');
  assert.equal(whole.source.parts, 2);
  // The end of execution 0 is in part 2: read in order, the execution is complete.
  assert.notEqual(whole.run.executions[0].endTime, null);
  assert.equal(whole.run.app.endTime !== null, true);
  const dir = path.join(tmp(), 'eventlog_v2_local-1623876083964');
  mkdirSync(dir);
  copyFileSync(
    path.join(folder, 'events_2_local-1623876083964.zstd'),
    path.join(dir, 'events_3_local-1623876083964.zstd'),
  );
  copyFileSync(
    path.join(folder, 'events_1_local-1623876083964.zstd'),
    path.join(dir, 'events_1_local-1623876083964.zstd'),
  );
  writeFileSync(path.join(dir, 'appstatus_local-1623876083964.inprogress'), '');
  const gap = await run(dir);
  assert.ok(
    gap.run.problems.some((p) =>
      /part 2 of the rolling log are missing|parts 2 of the rolling log are missing/.test(p.message),
    ),
    JSON.stringify(gap.run.problems),
  );
  assert.equal(gap.source.inProgress, true);
  assert.equal(gap.run.executions.length, 1, 'what the parts there hold is kept');
});

test('a malformed line is skipped and counted once, with where it was', async () => {
  const r = await run(path.join(LOGS(), 'malformed_line.zstd'));
  assert.equal(r.run.skippedLines, 1);
  assert.equal(r.run.problems.length, 1);
  assert.equal(r.run.problems[0].line, 4);
  assert.match(r.run.problems[0].message, /1 line was not a complete JSON event and was skipped/);
  assert.equal(r.run.executions.length, 1, 'the rest of the log is read');
});

test('an .inprogress log cut in the middle of a line: the cut line is skipped, the open execution is running', async () => {
  const lines = await textOf(path.join(LOGS(), 'e2e_local_stale.zstd'));
  const cut = lines.findIndex((l) => l.includes('SQLExecutionEnd') && l.includes('"executionId":7'));
  const text = lines.slice(0, cut).join('\n') + '\n' + lines[cut].slice(0, 40);
  const f = path.join(tmp(), 'local-1776286786993.inprogress');
  writeFileSync(f, text);
  const r = await run(f);
  assert.equal(r.source.inProgress, true);
  assert.equal(r.run.skippedLines, 1);
  assert.match(r.run.problems[0].message, /still being written/);
  const x7 = r.run.executions.find((x) => x.executionId === 7)!;
  assert.equal(x7.endTime, null);
  assert.equal(r.run.executions.length, 8);
});

test('a truncated or corrupt compressed file: a partial result that says what was not read', async () => {
  const src = readFileSync(path.join(LOGS(), 'e2e_local_stale.zstd'));
  const dir = tmp();
  writeFileSync(path.join(dir, 'cut.zstd'), src.subarray(0, Math.floor(src.length * 0.6)));
  const cut = await run(path.join(dir, 'cut.zstd'));
  assert.ok(cut.run.executions.length > 0 && cut.run.executions.length < 10, `${cut.run.executions.length} executions`);
  assert.ok(
    cut.run.problems.some((p) =>
      /cut\.zstd: the zstd data is cut or corrupt .* the rest of this file was not read/.test(p.message),
    ),
    JSON.stringify(cut.run.problems),
  );
  const gz = gzipSync(Buffer.from((await textOf(path.join(LOGS(), 'e2e_local_stale.zstd'))).join('\n')));
  writeFileSync(path.join(dir, 'cut.gz'), gz.subarray(0, Math.floor(gz.length * 0.5)));
  const g = await run(path.join(dir, 'cut.gz'));
  assert.ok(g.run.executions.length > 0);
  assert.ok(g.run.problems.some((p) => /the gzip data is cut or corrupt/.test(p.message)));
  const bad = Buffer.from(src);
  for (let i = 2000; i < 2400; i++) bad[i] ^= 0x5a;
  writeFileSync(path.join(dir, 'corrupt.zstd'), bad);
  const c = await readRunPath(path.join(dir, 'corrupt.zstd')).catch((e: unknown) => e);
  // Corruption this early leaves nothing that is an event: a clear error rather than an empty run.
  if (c instanceof Error)
    assert.ok(c instanceof RunsInputError && /corrupt|not a Spark event log/.test(c.message), c.message);
  else assert.ok((c as Awaited<ReturnType<typeof readRunPath>>).kind === 'run');
});

test('what is not a run gets one clear line: lz4/snappy logs, binary files, other JSON, empty files, folders without logs', async () => {
  const dir = tmp();
  const cases: Array<[string, Buffer | string, RegExp]> = [
    [
      'app-1.lz4',
      Buffer.concat([Buffer.from('LZ4Block'), Buffer.alloc(64, 1)]),
      /Spark's lz4 codec.*--history-server.*zstd/,
    ],
    [
      'app-2.snappy',
      Buffer.concat([Buffer.from([0x82]), Buffer.from('SNAPPY'), Buffer.alloc(64, 0)]),
      /Spark's snappy codec/,
    ],
    ['photo.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0, 1, 2, 3]), /binary file, not a Spark event log/],
    ['empty', '', /is empty/],
    ['other.json', '{"name": "not a run", "items": [1, 2]}', /JSON of an unknown shape/],
    ['lines.json', '{"a":1}\n{"a":2}\n{"a":3}\n{"a":4}\n', /not a Spark event log/],
    ['notes.txt', 'hello\nworld\n', /not a Spark event log/],
    ['broken.json', '[{"id": 1, ', /neither a Spark event log nor valid JSON/],
  ];
  for (const [name, body, why] of cases) {
    writeFileSync(path.join(dir, name), body);
    await assert.rejects(
      readRunPath(path.join(dir, name)),
      (e: unknown) => e instanceof RunsInputError && why.test(e.message),
      name,
    );
  }
  const empty = path.join(dir, 'nothing');
  mkdirSync(empty);
  await assert.rejects(readRunPath(empty), /holds no Spark event log/);
  await assert.rejects(readRunPath(path.join(dir, 'missing.zstd')), /no such file or folder/);
});

test('a folder of event logs lists its applications; --app picks one', async () => {
  const dir = tmp();
  for (const f of ['spark2_shell.zstd', 'aqe_shuffle_shell.zstd'])
    copyFileSync(path.join(LOGS(), f), path.join(dir, `app-${f}`));
  const list = await readRunPath(dir);
  assert.equal(list.kind, 'apps');
  if (list.kind === 'apps')
    assert.deepEqual(
      list.apps.apps.map((a) => a.id),
      ['app-aqe_shuffle_shell', 'app-spark2_shell'],
    );
  const one = await run(dir, { app: 'app-spark2_shell' });
  assert.equal(one.run.app.sparkVersion, '2.2.3');
  await assert.rejects(readRunPath(dir, { app: 'app-nope' }), /no application 'app-nope'/);
});

test('progress is reported as the file is read, and a read can be cancelled', async () => {
  const big = path.join(LOGS(), 'nds_q9_gpu_oom.zstd');
  const seen: number[] = [];
  await readRunPath(big, { onProgress: (p) => seen.push(p.bytesRead) });
  assert.ok(seen.length >= 1 && seen[seen.length - 1] > 0);
  assert.ok(
    seen.every((b, i) => i === 0 || b >= seen[i - 1]),
    'bytes only grow',
  );
  const abort = new AbortController();
  const read = readRunPath(big, { signal: abort.signal, onProgress: () => abort.abort() });
  await assert.rejects(read, RunsCancelled);
});
