/**
 * Streams the lines of an event log, part after part, without holding the file in memory: read → decompress
 * → UTF-8 decode → split on newlines → `onLine`. A part that ends early or holds corrupt compressed data is
 * reported (with how far it got) and reading goes on with the next part: the caller keeps what was read.
 */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { RunsCancelled } from '../errors';
import { decompressor } from './codec';
import type { LogPart } from './sources';

export interface ReadProgress {
  /** Bytes of the files read so far (compressed bytes for compressed parts). */
  bytesRead: number;
  totalBytes: number;
  lines: number;
}

export interface LineReadOptions {
  signal?: AbortSignal;
  onProgress?: (p: ReadProgress) => void;
  /** Milliseconds between progress reports (default 100). */
  progressEveryMs?: number;
}

export interface LineReadResult {
  lines: number;
  bytesRead: number;
  /** Bytes after decompression. */
  textBytes: number;
  problems: string[];
}

/** Lines longer than this are cut and skipped: no real event is that long, a corrupt file can be. */
const MAX_LINE_CHARS = 512 * 1024 * 1024;

export async function readLines(
  parts: LogPart[],
  onLine: (line: string, part: number) => void,
  opts: LineReadOptions = {},
): Promise<LineReadResult> {
  const totalBytes = parts.reduce((n, p) => n + p.bytes, 0);
  const res: LineReadResult = { lines: 0, bytesRead: 0, textBytes: 0, problems: [] };
  let lastReport = 0;
  const every = opts.progressEveryMs ?? 100;
  const report = (force = false) => {
    const now = performance.now();
    if (!opts.onProgress || (!force && now - lastReport < every)) return;
    lastReport = now;
    opts.onProgress({ bytesRead: res.bytesRead, totalBytes, lines: res.lines });
  };
  for (let i = 0; i < parts.length; i++) {
    if (opts.signal?.aborted) throw new RunsCancelled();
    const part = parts[i];
    const file = createReadStream(part.path, { highWaterMark: 1 << 20 });
    file.on('data', (c) => {
      res.bytesRead += (c as Buffer).length;
    });
    const codec = decompressor(part.codec);
    const stream: Readable = codec ? file.pipe(codec) : file;
    // A read error on the file surfaces on the pipeline's end.
    if (codec) file.on('error', (e) => codec.destroy(e));
    const decoder = new StringDecoder('utf8');
    let carry = '';
    let linesInPart = 0;
    const emit = (line: string) => {
      res.lines++;
      linesInPart++;
      onLine(line.endsWith('\r') ? line.slice(0, -1) : line, i);
    };
    try {
      for await (const chunk of stream) {
        if (opts.signal?.aborted) {
          file.destroy();
          stream.destroy();
          throw new RunsCancelled();
        }
        res.textBytes += (chunk as Buffer).length;
        const text = carry + decoder.write(chunk as Buffer);
        let start = 0;
        for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
          emit(text.slice(start, nl));
          start = nl + 1;
        }
        carry = text.slice(start);
        if (carry.length > MAX_LINE_CHARS) {
          res.problems.push(
            `${path.basename(part.path)}: a line of over ${MAX_LINE_CHARS / 2 ** 20} M characters was skipped (not an event)`,
          );
          carry = '';
        }
        report();
      }
    } catch (e) {
      if (e instanceof RunsCancelled) throw e;
      const why = e instanceof Error ? e.message : String(e);
      const what =
        part.codec === 'none' ? `reading failed (${why})` : `the ${part.codec} data is cut or corrupt (${why})`;
      res.problems.push(
        `${path.basename(part.path)}: ${what} after ${linesInPart} lines; the rest of this file was not read`,
      );
      file.destroy();
    }
    if (opts.signal?.aborted) throw new RunsCancelled();
    carry += decoder.end();
    // The last line of a file still being written may be cut: the caller sees it and counts it if it is not JSON.
    if (carry.length) emit(carry);
  }
  report(true);
  return res;
}
