/**
 * Server status: what the status item shows, and what `daglens/workspaceInfo` answers.
 * Zod and plain types only (no LSP, no editor): the engine, the adapters and the webviews may import it.
 */
import { z } from 'zod';

export const ServerStatusSchema = z.object({
  /** ok: ready; warning: works but something is degraded; error: a feature is broken. */
  health: z.enum(['ok', 'warning', 'error']),
  /** False while the server is scanning or indexing. */
  quiescent: z.boolean(),
  /** One line for the status bar tooltip. */
  message: z.string().optional(),
  /** Files processed so far / to process, while not quiescent. */
  progress: z.object({ done: z.number(), total: z.number() }).optional(),
});
export type ServerStatus = z.infer<typeof ServerStatusSchema>;

export interface WorkspaceInfo {
  roots: string[];
  files: number;
  skipped: Array<{ rel: string; reason: string; detail: string }>;
}
