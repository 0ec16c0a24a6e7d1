/**
 * Messages between the extension and its webviews (chat sidebar, graph panel). Both sides parse every
 * message with these schemas: a webview is a browser page, so nothing it posts is trusted unchecked.
 * Zod only: the webview pages import this module (as `@daglens/protocol/webview`), never the LSP one.
 */
import { z } from 'zod';

/** A place in the workspace: absolute path or path relative to a workspace folder; 1-based inclusive lines. */
export const SourceRangeSchema = z
  .object({
    file: z.string().min(1).max(4096),
    startLine: z.number().int().min(1),
    endLine: z.number().int().min(1),
  })
  .refine((r) => r.endLine >= r.startLine, { message: 'endLine is before startLine' });
export type SourceRange = z.infer<typeof SourceRangeSchema>;

/** Something attached to a question: the current file, a selection, or a DAG node. */
export const ChatContextSchema = z.object({
  id: z.string().min(1).max(200),
  kind: z.enum(['file', 'selection', 'dagNode']),
  label: z.string().max(300),
  range: SourceRangeSchema.optional(),
  /** The selected text or the node's details, sent to the server with the question. */
  text: z.string().max(20_000).optional(),
});
export type ChatContext = z.infer<typeof ChatContextSchema>;

export const ChatCitationSchema = SourceRangeSchema.and(z.object({ label: z.string().max(300).optional() }));
export type ChatCitation = z.infer<typeof ChatCitationSchema>;

export const ChatTurnSchema = z.object({
  id: z.string().min(1).max(100),
  role: z.enum(['user', 'assistant']),
  /** Markdown for answers (rendered with raw HTML disabled), plain text for questions. */
  text: z.string().max(200_000),
  citations: z.array(ChatCitationSchema).max(100).default([]),
  contexts: z.array(ChatContextSchema).max(20).default([]),
  /** streaming: still arriving; stopped: cancelled by the user; error: see `error`. */
  status: z.enum(['streaming', 'done', 'stopped', 'error']).default('done'),
  error: z.string().max(2000).optional(),
});
export type ChatTurn = z.infer<typeof ChatTurnSchema>;

/** Whether the chat can ask anything, and if not, what the user can do about it. */
export const ChatAvailabilitySchema = z.object({
  state: z.enum(['ready', 'noProvider', 'untrusted', 'disabled', 'serverDown']),
  message: z.string().max(1000),
  /** Buttons the view offers for this state. */
  actions: z.array(z.enum(['setApiKey', 'openSettings', 'manageTrust', 'showLogs', 'restartServer'])).default([]),
});
export type ChatAvailability = z.infer<typeof ChatAvailabilitySchema>;
export type ChatAction = ChatAvailability['actions'][number];

export const ChatToExtensionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('ask'), question: z.string().trim().min(1).max(8000) }),
  z.object({ type: z.literal('stop') }),
  z.object({ type: z.literal('newChat') }),
  z.object({ type: z.literal('copy'), turnId: z.string().min(1).max(100) }),
  z.object({ type: z.literal('openCitation'), citation: SourceRangeSchema }),
  z.object({ type: z.literal('removeContext'), id: z.string().min(1).max(200) }),
  z.object({
    type: z.literal('action'),
    action: z.enum(['setApiKey', 'openSettings', 'manageTrust', 'showLogs', 'restartServer']),
  }),
]);
export type ChatToExtension = z.infer<typeof ChatToExtensionSchema>;

export const ChatToWebviewSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('state'),
    turns: z.array(ChatTurnSchema),
    contexts: z.array(ChatContextSchema),
    availability: ChatAvailabilitySchema,
  }),
  /** More text of the answer being streamed (appended). */
  z.object({ type: z.literal('delta'), turnId: z.string(), text: z.string() }),
  /** A turn finished (done, stopped or error): replaces the streamed one. */
  z.object({ type: z.literal('turn'), turn: ChatTurnSchema }),
  z.object({ type: z.literal('contexts'), contexts: z.array(ChatContextSchema) }),
  z.object({ type: z.literal('availability'), availability: ChatAvailabilitySchema }),
  z.object({ type: z.literal('notice'), level: z.enum(['info', 'error']), message: z.string().max(2000) }),
]);
export type ChatToWebview = z.infer<typeof ChatToWebviewSchema>;

/** Mapping status of a DAG node (as the DAG mapper reports it); `none` for lineage graphs. */
export const GraphNodeStatusSchema = z.enum(['high', 'low', 'derived', 'unmapped', 'none']);
export const GraphNodeSchema = z.object({
  id: z.string().min(1).max(1000),
  label: z.string().max(500),
  /** table, view, model, column, process, task, operator, … (shown as an icon and in the tooltip). */
  kind: z.string().max(50),
  status: GraphNodeStatusSchema.default('none'),
  /** Tooltip lines (plain text). */
  detail: z.string().max(5000).optional(),
  /** The code this node opens when clicked. */
  location: SourceRangeSchema.optional(),
  /** The node the graph is about (drawn highlighted, centred after layout). */
  focus: z.boolean().optional(),
  /** Runs: the share of the run's time this node accounts for, 0–1 (drawn as heat). */
  heat: z.number().min(0).max(1).optional(),
});
export type GraphNode = z.infer<typeof GraphNodeSchema>;
export const GraphEdgeSchema = z.object({
  source: z.string(),
  target: z.string(),
  label: z.string().max(200).optional(),
});
export type GraphEdge = z.infer<typeof GraphEdgeSchema>;
export const GraphModelSchema = z.object({
  title: z.string().max(500),
  mode: z.enum(['lineage', 'impact', 'dag']),
  nodes: z.array(GraphNodeSchema),
  edges: z.array(GraphEdgeSchema),
  /** Set when the graph was filtered: what was kept out of how many. */
  filter: z.object({ text: z.string(), shown: z.number(), total: z.number() }).optional(),
});
export type GraphModel = z.infer<typeof GraphModelSchema>;

export const GraphToWebviewSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('graph'), graph: GraphModelSchema }),
  z.object({ type: z.literal('loading'), message: z.string().max(500) }),
  /** The graph is over the drawing limit: the view asks for a filter instead. */
  z.object({
    type: z.literal('tooLarge'),
    title: z.string().max(500),
    nodes: z.number(),
    limit: z.number(),
    message: z.string().max(1000),
  }),
  z.object({ type: z.literal('error'), message: z.string().max(2000) }),
  z.object({ type: z.literal('follow'), on: z.boolean() }),
]);
export type GraphToWebview = z.infer<typeof GraphToWebviewSchema>;

export const GraphToExtensionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('openNode'), nodeId: z.string().min(1).max(1000) }),
  /** Add the node to the chat as a context chip (`a` on a focused node). */
  z.object({ type: z.literal('askNode'), nodeId: z.string().min(1).max(1000) }),
  /** Keep nodes whose label matches `text` (case-insensitive) and their neighbours up to `depth`. */
  z.object({ type: z.literal('filter'), text: z.string().max(200), depth: z.number().int().min(0).max(10).default(1) }),
  z.object({ type: z.literal('follow'), on: z.boolean() }),
  z.object({ type: z.literal('refresh') }),
]);
export type GraphToExtension = z.infer<typeof GraphToExtensionSchema>;
