/**
 * The one place where DagLens's custom LSP requests and notifications are declared, with their
 * parameter and result types. Server, client, CLI and webviews import from here (as `@daglens/protocol`),
 * so a change of shape is a type error everywhere at once. Data that crosses a process or webview
 * boundary has a zod schema beside its type.
 *
 * Sections (append in this order): status · search/index · lineage · DAG mapping · LLM · webview messages.
 */
import { NotificationType, RequestType0 } from 'vscode-languageserver-protocol';
import { z } from 'zod';

// ── status ───────────────────────────────────────────────────────────────────────────────────────────

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

export const serverStatus = new NotificationType<ServerStatus>('daglens/serverStatus');

export interface WorkspaceInfo {
  roots: string[];
  files: number;
  skipped: Array<{ rel: string; reason: string; detail: string }>;
}
export const workspaceInfo = new RequestType0<WorkspaceInfo, void>('daglens/workspaceInfo');
