/**
 * The bytes of a DAG file → text. Editors and Windows tools save plans and JSON with a byte-order mark, or
 * as UTF-16; a binary file is not a DAG at all. Said once, here, instead of each reader tripping over it.
 */

export interface DecodedText {
  text: string;
  /** Which encoding was read, when it was not plain UTF-8. */
  encoding?: 'utf-8-bom' | 'utf-16le' | 'utf-16be';
  /** Set when the bytes are not text: what is wrong, in one sentence (the caller names the file). */
  notText?: string;
}

/** A UTF-16 file without a BOM: ASCII text has a NUL as every other byte. */
function looksUtf16(buf: Uint8Array, nulAt: 0 | 1): boolean {
  const n = Math.min(buf.length, 4096) & ~1;
  if (n < 8) return false;
  let hits = 0;
  for (let i = 0; i < n; i += 2) if (buf[i + nulAt] === 0 && buf[i + 1 - nulAt] !== 0) hits++;
  return hits >= (n / 2) * 0.9;
}

function swapBytes(buf: Uint8Array): Buffer {
  const out = Buffer.alloc(buf.length & ~1);
  for (let i = 0; i + 1 < buf.length; i += 2) {
    out[i] = buf[i + 1];
    out[i + 1] = buf[i];
  }
  return out;
}

export function decodeDagBytes(bytes: Uint8Array): DecodedText {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf)
    return { text: buf.toString('utf8', 3), encoding: 'utf-8-bom' };
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe)
    return { text: buf.subarray(2).toString('utf16le'), encoding: 'utf-16le' };
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff)
    return { text: swapBytes(buf.subarray(2)).toString('utf16le'), encoding: 'utf-16be' };
  if (looksUtf16(buf, 1)) return { text: buf.toString('utf16le'), encoding: 'utf-16le' };
  if (looksUtf16(buf, 0)) return { text: swapBytes(buf).toString('utf16le'), encoding: 'utf-16be' };
  const head = buf.subarray(0, 8192);
  if (head.includes(0)) {
    return {
      text: '',
      notText: 'it is a binary file (it contains NUL bytes), not a plan text, plan JSON, manifest or DAG JSON',
    };
  }
  return { text: buf.toString('utf8') };
}

/** Text already decoded (an editor's buffer, a request parameter) may still start with a BOM. */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
