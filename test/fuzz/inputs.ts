/**
 * The seed inputs the fuzzers mutate, read once from the shared corpora (in place) and the test fixtures:
 * Spark plans (EXPLAIN text, EXTENDED, FORMATTED), Spark plan JSON (the SparkPlanInfo of event logs), event
 * logs, History Server REST answers, JSON DAGs, dbt manifests, SQL, Python, Scala and YAML.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { decompress } from 'fzstd';
import { CORPORA, FIXTURES, requireCorpora } from '../helpers';
import type { Shape } from './mutate';

export type Category =
  | 'planText'
  | 'planFormatted'
  | 'planJson'
  | 'eventLog'
  | 'restAnswer'
  | 'dagJson'
  | 'manifest'
  | 'sql'
  | 'python'
  | 'scala'
  | 'yaml';

export interface Seed {
  category: Category;
  /** Where it came from (corpus-relative), for reports. */
  origin: string;
  bytes: Buffer;
}

export const SHAPE: Record<Category, Shape> = {
  planText: 'plan',
  planFormatted: 'plan',
  planJson: 'json',
  eventLog: 'jsonl',
  restAnswer: 'json',
  dagJson: 'json',
  manifest: 'json',
  sql: 'sql',
  python: 'python',
  scala: 'scala',
  yaml: 'yaml',
};

/** A file name a case writes its input under (extensions matter: format detection, language ids). */
export const EXTENSION: Record<Category, string> = {
  planText: '.explain.txt',
  planFormatted: '.txt',
  planJson: '.json',
  eventLog: '',
  restAnswer: '.json',
  dagJson: '.json',
  manifest: '.json',
  sql: '.sql',
  python: '.py',
  scala: '.scala',
  yaml: '.yml',
};

/** The LSP language id a document of the category is opened with. */
export const LANGUAGE_ID: Record<Category, string> = {
  planText: 'sparkplan',
  planFormatted: 'sparkplan',
  planJson: 'json',
  eventLog: 'plaintext',
  restAnswer: 'json',
  dagJson: 'json',
  manifest: 'json',
  sql: 'sql',
  python: 'python',
  scala: 'scala',
  yaml: 'yaml',
};

function walk(dir: string, keep: (f: string) => boolean, out: string[] = []): string[] {
  for (const n of readdirSync(dir).sort()) {
    const p = path.join(dir, n);
    const st = statSync(p);
    if (st.isDirectory()) walk(p, keep, out);
    else if (keep(p)) out.push(p);
  }
  return out;
}

/** An event log's text (plain, gzip or zstd by magic bytes). */
export function eventLogText(file: string): string {
  const raw = readFileSync(file);
  if (raw[0] === 0x1f && raw[1] === 0x8b) return zlib.gunzipSync(raw).toString('utf8');
  if (raw.readUInt32LE(0) === 0xfd2fb528) return Buffer.from(decompress(raw)).toString('utf8');
  return raw.toString('utf8');
}

let cached: Map<Category, Seed[]> | undefined;

export function seeds(): Map<Category, Seed[]> {
  if (cached) return cached;
  const root = requireCorpora();
  const rel = (p: string) => path.relative(path.dirname(CORPORA), p);
  const m = new Map<Category, Seed[]>();
  const add = (category: Category, origin: string, bytes: Buffer) => {
    if (!m.has(category)) m.set(category, []);
    m.get(category)!.push({ category, origin, bytes });
  };
  for (const f of walk(root, (p) => /\.explain\.txt$/.test(p))) add('planText', rel(f), readFileSync(f));
  for (const f of walk(path.join(FIXTURES, 'dag'), (p) => /\.(sparkplan|txt)$/.test(p)))
    add(/formatted/.test(f) ? 'planFormatted' : 'planText', path.relative(FIXTURES, f), readFileSync(f));

  const logs = path.join(root, 'spark-eventlogs', 'logs');
  for (const f of walk(logs, (p) => !/appstatus/.test(p))) {
    const lines = eventLogText(f).split('\n');
    // Whole logs are large: the fuzzers get heads of them (start events, executions, tasks), ≤ ~400 kB each.
    const head: string[] = [];
    let bytes = 0;
    for (const l of lines) {
      if (bytes > 400_000) break;
      head.push(l);
      bytes += l.length + 1;
      if (/SQLExecutionStart/.test(l)) {
        try {
          const e = JSON.parse(l) as { sparkPlanInfo?: unknown; physicalPlanDescription?: string };
          if (e.sparkPlanInfo)
            add(
              'planJson',
              `${rel(f)} (SparkPlanInfo)`,
              Buffer.from(JSON.stringify(rng01(m) ? { sparkPlanInfo: e.sparkPlanInfo } : e.sparkPlanInfo)),
            );
          if (e.physicalPlanDescription && /\(\d+\)/.test(e.physicalPlanDescription))
            add('planFormatted', `${rel(f)} (physicalPlanDescription)`, Buffer.from(e.physicalPlanDescription));
        } catch {
          // malformed_line.zstd has one on purpose
        }
      }
    }
    add('eventLog', rel(f), Buffer.from(head.join('\n')));
  }
  for (const f of walk(path.join(root, 'spark-eventlogs', 'derived'), (p) => p.endsWith('.json')))
    add('restAnswer', rel(f), readFileSync(f));
  add(
    'dagJson',
    'dbt/dbt_analytics/dbt-graph.json',
    readFileSync(path.join(root, 'dbt', 'dbt_analytics', 'dbt-graph.json')),
  );
  add(
    'dagJson',
    '(generic)',
    Buffer.from(
      JSON.stringify({
        nodes: [
          { id: 'a', label: 'orders', type: 'model', attributes: { file: 'models/orders.sql' } },
          { id: 2, label: 'x' },
          { id: 'c' },
        ],
        edges: [['a', '2'], { from: 2, to: 'c' }],
      }),
    ),
  );
  add(
    'manifest',
    '(jaffle-shop manifest)',
    Buffer.from(JSON.stringify(jaffleManifest(path.join(root, 'dbt', 'jaffle-shop')))),
  );
  for (const f of walk(root, (p) => /\.sql$/.test(p))) add('sql', rel(f), readFileSync(f));
  for (const f of walk(root, (p) => /\.py$/.test(p))) add('python', rel(f), readFileSync(f));
  for (const f of walk(root, (p) => /\.scala$/.test(p))) add('scala', rel(f), readFileSync(f));
  for (const f of walk(root, (p) => /\.ya?ml$/.test(p))) add('yaml', rel(f), readFileSync(f));
  cached = m;
  return m;
}

/** Alternates the two SparkPlanInfo spellings (bare, or wrapped as an event's field) deterministically. */
function rng01(m: Map<Category, Seed[]>): boolean {
  return ((m.get('planJson')?.length ?? 0) & 1) === 0;
}

/** A dbt manifest (the fields DagLens reads) for the jaffle-shop project: one model node per .sql model. */
function jaffleManifest(project: string): Record<string, unknown> {
  const models = walk(path.join(project, 'models'), (p) => p.endsWith('.sql'));
  const nodes: Record<string, unknown> = {};
  let prev: string | undefined;
  for (const f of models) {
    const name = path.basename(f, '.sql');
    const id = `model.jaffle_shop.${name}`;
    nodes[id] = {
      resource_type: 'model',
      name,
      original_file_path: path.relative(project, f),
      schema: 'main',
      depends_on: { nodes: prev ? [prev] : ['source.jaffle_shop.ecom.raw_orders'] },
    };
    prev = id;
  }
  return {
    metadata: { dbt_schema_version: 'https://schemas.getdbt.com/dbt/manifest/v12.json', dbt_version: '1.8.0' },
    nodes,
    sources: {
      'source.jaffle_shop.ecom.raw_orders': {
        resource_type: 'source',
        name: 'raw_orders',
        source_name: 'ecom',
        original_file_path: 'models/staging/__sources.yml',
      },
    },
  };
}

/** Small slices of every seed: what `insertFragment` splices into other inputs. */
export function fragments(): Buffer[] {
  const out: Buffer[] = [];
  for (const list of seeds().values()) for (const s of list) out.push(s.bytes.subarray(0, 16_384));
  return out;
}
