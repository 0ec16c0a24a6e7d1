/**
 * Engine settings: one zod schema, shared by the LSP (from `daglens.*` settings) and the CLI (from flags).
 * Invalid values are reported and replaced by defaults, never fatal.
 */
import { z } from 'zod';

export const DEFAULT_EXCLUDE = [
  '**/.git/**',
  '**/node_modules/**',
  '**/__pycache__/**',
  '**/.venv/**',
  '**/venv/**',
  '**/dbt_packages/**',
  '**/target/**',
  '**/.daglens-cache/**',
];

export const EngineSettingsSchema = z.object({
  /** Files larger than this are skipped by discovery, and open documents larger than this are not parsed. */
  maxFileBytes: z.number().int().positive().default(1_000_000),
  /** How much of a DAG file is read (server/src/engine/dag/ingest/limits.ts): bounds for hostile or broken inputs. */
  limits: z
    .object({
      maxDagDepth: z.number().int().min(10).max(100_000).default(1_000),
      maxDagNodes: z.number().int().min(100).max(10_000_000).default(100_000),
    })
    .default({}),
  /** Globs (relative to the workspace root) that discovery skips, on top of .gitignore. */
  exclude: z.array(z.string()).default(DEFAULT_EXCLUDE),
  /** Whether .gitignore files are honoured. */
  useGitignore: z.boolean().default(true),
  /** Workspace index: HNSW graph parameters (see server/src/engine/index/vectorIndex.ts). */
  index: z
    .object({
      hnswM: z.number().int().min(4).max(64).default(16),
      efConstruction: z.number().int().min(8).max(1000).default(64),
      efSearch: z.number().int().min(8).max(2000).default(512),
    })
    .default({}),
  /** Embeddings for the index: the built-in offline embedder, or an OpenAI-compatible endpoint. */
  embeddings: z
    .object({
      provider: z.enum(['builtin', 'openai']).default('builtin'),
      baseUrl: z.string().url().optional(),
      model: z.string().min(1).default('text-embedding-3-small'),
      dimensions: z.number().int().positive().optional(),
    })
    .default({}),
  /** DAG → code mapping jobs (server/src/engine/dag). */
  mapping: z
    .object({
      /** Nodes mapped (and verified) concurrently. */
      maxParallel: z.number().int().min(1).max(64).default(4),
    })
    .default({}),
  /** Lineage (server/src/engine/lineage): where unqualified table names live, so spellings unify. */
  lineage: z
    .object({
      defaultCatalog: z.string().min(1).default('spark_catalog'),
      defaultSchema: z.string().min(1).default('default'),
    })
    .default({}),
});

export type EngineSettings = z.infer<typeof EngineSettingsSchema>;

export interface SettingsResult {
  settings: EngineSettings;
  /** One line per invalid value that was replaced by its default. */
  problems: string[];
}

/** Parses settings leniently: each invalid field falls back to its default and is reported. */
export function parseSettings(raw: unknown): SettingsResult {
  const input = withoutUnset(raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const full = EngineSettingsSchema.safeParse(input);
  if (full.success) return { settings: full.data, problems: [] };
  const problems: string[] = [];
  const cleaned: Record<string, unknown> = { ...input };
  for (const issue of full.error.issues) {
    const key = String(issue.path[0]);
    problems.push(`daglens.${issue.path.join('.')}: ${issue.message}; using the default`);
    delete cleaned[key];
  }
  return { settings: EngineSettingsSchema.parse(cleaned), problems };
}

/**
 * Drops null and empty-string values, recursively: VS Code reports an unset optional setting as its
 * declared `null` default (or '' for a string), which means "use the default", not "invalid".
 */
export function withoutUnset(value: unknown): unknown {
  if (Array.isArray(value) || !value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === null || v === '' || typeof v === 'function') continue;
    out[k] = withoutUnset(v);
  }
  return out;
}
