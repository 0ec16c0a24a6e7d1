/**
 * Input mutators: bit flips, truncation, insertion of fragments of other corpus files, deep nesting, huge sizes,
 * other encodings (UTF-16, BOMs, Latin-1, invalid UTF-8), CRLF, NUL bytes, odd Unicode, and structural edits of
 * JSON. Each case applies one to four of them to a real seed input, chosen by its seeded Rng.
 */
import type { Rng } from './rng';

export type Mutator =
  | 'bitflip'
  | 'byteset'
  | 'truncate'
  | 'insertFragment'
  | 'deleteSlice'
  | 'duplicateSlice'
  | 'swapLines'
  | 'deepNest'
  | 'huge'
  | 'encoding'
  | 'crlf'
  | 'nul'
  | 'unicode'
  | 'jsonEdit'
  | 'longLine'
  | 'empty';

/** What kind of text the seed is: decides how deep nesting is written. */
export type Shape = 'json' | 'jsonl' | 'plan' | 'sql' | 'python' | 'scala' | 'yaml' | 'text';

export interface MutateOptions {
  /** Largest output of a normal case (a `huge` mutation is clamped to it). */
  maxBytes: number;
  /** Fragments of other corpus files to splice in. */
  fragments: Buffer[];
}

const INTERESTING = [
  0x00, 0xff, 0x7f, 0x80, 0x22, 0x7b, 0x7d, 0x5b, 0x5d, 0x0a, 0x0d, 0x3a, 0x2c, 0x5c, 0x27, 0x3b, 0x28, 0x29,
];
const UNICODE = [
  '\u{1F600}',
  '\u0301',
  '\u202E',
  '\uFEFF',
  '\u2028',
  '\u00A0',
  '\uD800',
  '\uDFFF',
  'Ω',
  '漢字',
  '\u0000',
  'ß',
];

function nest(shape: Shape, depth: number, inner: string, rng: Rng): string {
  switch (shape) {
    case 'json':
    case 'jsonl':
      return rng.chance(0.5)
        ? '['.repeat(depth) + inner + ']'.repeat(depth)
        : '{"nodeName":"Project","simpleString":"Project [a#1]","children":['.repeat(depth) +
            '{"nodeName":"Scan parquet db.t"}' +
            ']}'.repeat(depth);
    case 'plan': {
      const lines = ['== Physical Plan ==', '*(1) Project [a#1]'];
      for (let i = 1; i < depth; i++) lines.push(`${'   '.repeat(i - 1)}+- Filter (a#1 > ${i})`);
      return lines.join('\n') + '\n' + inner;
    }
    case 'sql':
      return `select ${'('.repeat(depth)}1${')'.repeat(depth)} from t;\n` + inner;
    case 'python':
      return `x = ${'['.repeat(depth)}1${']'.repeat(depth)}\n` + inner;
    case 'scala':
      return `object X { val x = ${'('.repeat(depth)}1${')'.repeat(depth)} }\n` + inner;
    case 'yaml':
      return Array.from({ length: depth }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n') + ' v\n' + inner;
    default:
      return '('.repeat(depth) + inner + ')'.repeat(depth);
  }
}

/** Applies a structural edit to a random node of a JSON value (in place), returning the (possibly new) root. */
function jsonEdit(v: unknown, rng: Rng): unknown {
  const all: Array<{ parent: Record<string, unknown> | unknown[]; key: string | number }> = [];
  const walk = (x: unknown, depth: number) => {
    if (!x || typeof x !== 'object' || depth > 60 || all.length > 5000) return;
    if (Array.isArray(x))
      x.forEach((c, i) => {
        all.push({ parent: x, key: i });
        walk(c, depth + 1);
      });
    else
      for (const k of Object.keys(x)) {
        all.push({ parent: x as Record<string, unknown>, key: k });
        walk((x as Record<string, unknown>)[k], depth + 1);
      }
  };
  walk(v, 0);
  if (!all.length) return rng.pick([null, 0, '', [], {}, 'x'.repeat(1000)]);
  const { parent, key } = rng.pick(all);
  const replacement = rng.pick<unknown>([
    null,
    0,
    -1,
    1e308,
    'x',
    '',
    true,
    [],
    {},
    [null],
    { nodeName: 42 },
    'a'.repeat(rng.int(20_000)),
    rng.wildNumber(),
    '../../../../etc/passwd',
    { id: null },
    [[1, 2, 3]],
    '\u0000\uD800',
  ]);
  const op = rng.int(4);
  if (Array.isArray(parent)) {
    const i = key as number;
    if (op === 0) parent.splice(i, 1);
    else if (op === 1)
      parent.splice(i, 0, ...Array.from({ length: rng.range(1, 3) }, () => structuredClone(parent[i])));
    else parent[i] = replacement;
  } else {
    const k = key as string;
    if (op === 0) delete parent[k];
    else if (op === 1) parent[`${k}_${rng.int(100)}`] = parent[k];
    else parent[k] = replacement;
  }
  return v;
}

export function applyMutator(m: Mutator, input: Buffer, shape: Shape, rng: Rng, opts: MutateOptions): Buffer {
  const len = input.length;
  const pos = () => rng.int(len + 1);
  switch (m) {
    case 'bitflip': {
      const out = Buffer.from(input);
      const n = rng.range(1, Math.max(1, Math.min(64, len >> 4)));
      for (let i = 0; i < n && out.length; i++) out[rng.int(out.length)] ^= 1 << rng.int(8);
      return out;
    }
    case 'byteset': {
      const out = Buffer.from(input);
      for (let i = rng.range(1, 16); i > 0 && out.length; i--) out[rng.int(out.length)] = rng.pick(INTERESTING);
      return out;
    }
    case 'truncate':
      return input.subarray(0, pos());
    case 'insertFragment': {
      const frag = opts.fragments.length ? rng.pick(opts.fragments) : rng.bytes(64);
      const a = rng.int(frag.length + 1);
      const piece = frag.subarray(a, a + rng.range(1, 4096));
      const p = pos();
      return Buffer.concat([input.subarray(0, p), piece, input.subarray(p)]);
    }
    case 'deleteSlice': {
      const a = pos();
      return Buffer.concat([input.subarray(0, a), input.subarray(a + rng.range(1, 2048))]);
    }
    case 'duplicateSlice': {
      const a = pos();
      const piece = input.subarray(a, a + rng.range(1, 4096));
      const reps = rng.range(1, 40);
      return Buffer.concat([input.subarray(0, a), ...Array.from({ length: reps }, () => piece), input.subarray(a)]);
    }
    case 'swapLines': {
      const lines = input.toString('latin1').split('\n');
      for (let i = rng.range(1, 10); i > 0 && lines.length > 1; i--) {
        const a = rng.int(lines.length);
        const b = rng.int(lines.length);
        [lines[a], lines[b]] = [lines[b], lines[a]];
      }
      return Buffer.from(lines.join('\n'), 'latin1');
    }
    case 'deepNest': {
      const depth = rng.pick([50, 500, 2_000, 10_000, 50_000, 100_000]);
      const inner = rng.chance(0.5) ? input.toString('utf8').slice(0, 20_000) : '1';
      return Buffer.from(nest(shape, depth, inner, rng), 'utf8');
    }
    case 'huge': {
      const target = Math.min(opts.maxBytes, rng.pick([256_000, 1_100_000, 3_000_000, 8_000_000]));
      if (!len) return Buffer.alloc(target, 0x61);
      const reps = Math.max(1, Math.floor(target / len));
      return Buffer.concat(Array.from({ length: Math.min(reps, 100_000) }, () => input)).subarray(0, target);
    }
    case 'encoding': {
      const text = input.toString('utf8');
      switch (rng.int(7)) {
        case 0:
          return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), input]);
        case 1:
          return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
        case 2:
          return Buffer.from(text, 'utf16le');
        case 3: {
          const le = Buffer.from(text, 'utf16le');
          for (let i = 0; i + 1 < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1], le[i]];
          return Buffer.concat([Buffer.from([0xfe, 0xff]), le]);
        }
        case 4:
          return Buffer.from(text, 'latin1');
        case 5: {
          const p = pos();
          const bad = rng.pick([
            [0xc3, 0x28],
            [0xed, 0xa0, 0x80],
            [0xc0, 0xaf],
            [0xf8, 0x88, 0x80, 0x80, 0x80],
            [0xe2, 0x82],
            [0xff],
          ]);
          return Buffer.concat([input.subarray(0, p), Buffer.from(bad), input.subarray(p)]);
        }
        default:
          return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf]), input]);
      }
    }
    case 'crlf':
      return Buffer.from(input.toString('latin1').replace(/\n/g, rng.chance(0.8) ? '\r\n' : '\r'), 'latin1');
    case 'nul': {
      const out: Buffer[] = [];
      let last = 0;
      for (let i = rng.range(1, 8); i > 0; i--) {
        const p = Math.max(last, pos());
        out.push(input.subarray(last, p), Buffer.alloc(rng.range(1, 4)));
        last = p;
      }
      out.push(input.subarray(last));
      return Buffer.concat(out);
    }
    case 'unicode': {
      let text = input.toString('utf8');
      for (let i = rng.range(1, 12); i > 0; i--) {
        const p = rng.int(text.length + 1);
        text = text.slice(0, p) + rng.pick(UNICODE).repeat(rng.range(1, 30)) + text.slice(p);
      }
      return Buffer.from(text, 'utf8');
    }
    case 'jsonEdit': {
      const text = input.toString('utf8');
      if (shape === 'jsonl') {
        const lines = text.split('\n');
        for (let i = rng.range(1, 6); i > 0 && lines.length; i--) {
          const k = rng.int(lines.length);
          try {
            lines[k] = JSON.stringify(jsonEdit(JSON.parse(lines[k]), rng));
          } catch {
            lines[k] = lines[k].slice(0, rng.int(lines[k].length + 1));
          }
        }
        return Buffer.from(lines.join('\n'), 'utf8');
      }
      try {
        let v = JSON.parse(text) as unknown;
        for (let i = rng.range(1, 5); i > 0; i--) v = jsonEdit(v, rng);
        const out = JSON.stringify(v);
        return out.length <= opts.maxBytes
          ? Buffer.from(out, 'utf8')
          : applyMutator('truncate', input, shape, rng, opts);
      } catch {
        return applyMutator('byteset', input, shape, rng, opts);
      }
    }
    case 'longLine':
      return Buffer.from(input.toString('latin1').replace(/\r?\n/g, ' '), 'latin1');
    case 'empty':
      return rng.pick([
        Buffer.alloc(0),
        Buffer.from('\n'),
        Buffer.from(' \t\r\n'),
        Buffer.from('{}'),
        Buffer.from('[]'),
        Buffer.from('null'),
      ]);
  }
}

const WEIGHTS: Record<Mutator, number> = {
  bitflip: 10,
  byteset: 8,
  truncate: 10,
  insertFragment: 10,
  deleteSlice: 6,
  duplicateSlice: 5,
  swapLines: 5,
  deepNest: 4,
  huge: 1.5,
  encoding: 7,
  crlf: 5,
  nul: 3,
  unicode: 5,
  jsonEdit: 10,
  longLine: 2,
  empty: 1,
};

/** One to four mutations of `input`; returns the bytes and what was done (for the failure report). */
export function mutate(input: Buffer, shape: Shape, rng: Rng, opts: MutateOptions): { bytes: Buffer; ops: Mutator[] } {
  let out = input;
  const ops: Mutator[] = [];
  const weights = { ...WEIGHTS };
  if (shape !== 'json' && shape !== 'jsonl') weights.jsonEdit = 0;
  // Most cases keep the seed readable enough to go deep into the parsers; some stack mutations.
  for (let i = rng.chance(0.15) ? 0 : rng.chance(0.6) ? 1 : rng.range(2, 4); i > 0 || ops.length === 0; i--) {
    const m = rng.weighted(weights);
    ops.push(m);
    try {
      out = applyMutator(m, out, shape, rng, opts);
    } catch {
      // A mutation that would build something too large for this process: keep the input as it was.
      ops[ops.length - 1] = `${m}(skipped)` as Mutator;
    }
    if (out.length > opts.maxBytes) out = out.subarray(0, opts.maxBytes);
  }
  return { bytes: out, ops };
}
