/**
 * Event log compression: Spark writes plain JSON lines or compresses them with its `spark.io.compression.codec`
 * (zstd, lz4, snappy, lzf), and users gzip logs they move around. The codec is told by the file's first bytes,
 * else by its extension. gzip comes from node:zlib, zstd from fzstd (pure JS, streaming); Spark's lz4/snappy/lzf
 * use block framings of their own that no maintained npm package reads, so they get an error that says what to do.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';

export type Codec = 'none' | 'gzip' | 'zstd' | 'lz4' | 'snappy' | 'lzf';

const MAGIC: Array<[Codec, number[]]> = [
  ['gzip', [0x1f, 0x8b]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['lz4', [...Buffer.from('LZ4Block')]], // lz4-java's LZ4BlockOutputStream, Spark's lz4 codec
  ['snappy', [0x82, ...Buffer.from('SNAPPY'), 0x00]], // snappy-java's stream header
  ['lzf', [0x5a, 0x56]], // "ZV"
];

const EXTENSION: Record<string, Codec> = {
  gz: 'gzip',
  gzip: 'gzip',
  zst: 'zstd',
  zstd: 'zstd',
  lz4: 'lz4',
  snappy: 'snappy',
  lzf: 'lzf',
};

/** The codec of a file from its first bytes (preferred) or its name. */
export function codecOf(fileName: string, head: Uint8Array): Codec {
  for (const [codec, magic] of MAGIC)
    if (head.length >= magic.length && magic.every((b, i) => head[i] === b)) return codec;
  const ext = /\.([a-z0-9]+)(?:\.inprogress)?$/i.exec(fileName)?.[1]?.toLowerCase();
  const byName = ext ? EXTENSION[ext] : undefined;
  // A name saying zstd over bytes that are plainly text: trust the bytes.
  return byName && !looksLikeText(head) ? byName : 'none';
}

function looksLikeText(head: Uint8Array): boolean {
  const n = Math.min(head.length, 512);
  for (let i = 0; i < n; i++) {
    const b = head[i];
    if (b === 0 || b < 9 || (b > 13 && b < 32)) return false;
  }
  return n > 0;
}

/** Bytes that are neither text nor a known codec (an image, an archive, …). */
export function looksBinary(head: Uint8Array): boolean {
  const n = Math.min(head.length, 4096);
  for (let i = 0; i < n; i++) if (head[i] === 0) return true;
  return false;
}

/** Why a codec cannot be read, and what to do instead. */
export function unsupportedCodec(codec: Codec, file: string): string | undefined {
  if (codec === 'lz4' || codec === 'snappy' || codec === 'lzf') {
    return (
      `${file} is compressed with Spark's ${codec} codec, whose block framing DagLens cannot read; ` +
      `point DagLens at the History Server that serves this application (daglens runs --history-server URL --app ID), ` +
      `or have Spark write zstd logs (spark.eventLog.compression.codec=zstd)`
    );
  }
  return undefined;
}

/** A stream that decompresses `codec` (a pass-through for plain files). */
export function decompressor(codec: Codec): Transform | undefined {
  if (codec === 'gzip') return createGunzip();
  if (codec === 'zstd') return new ZstdTransform();
  return undefined;
}

/** fzstd's push decoder as a Node transform stream. */
class ZstdTransform extends Transform {
  private readonly decoder = new Decompress((chunk) => {
    this.push(chunk);
  });

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.decoder.push(chunk);
      done();
    } catch (e) {
      done(asCodecError(e));
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      this.decoder.push(new Uint8Array(0), true);
      done();
    } catch (e) {
      done(asCodecError(e));
    }
  }
}

function asCodecError(e: unknown): Error {
  return new Error(`invalid zstd data (${e instanceof Error ? e.message : String(e)})`);
}
