/**
 * The `daglens.*` context keys that package.json's `when` clauses read, so a command shows only where it can
 * work (the palette, editor and view menus). Set here only; unset keys read as false.
 */
import * as vscode from 'vscode';

export const CONTEXT_KEYS = {
  /** The language server is running and answers requests (ctx.ts). */
  serverReady: 'daglens.serverReady',
  /** A model answers the AI features: an OpenAI-compatible provider or the editor's own (vscodeLm.ts). */
  llmReady: 'daglens.llmReady',
  /** The Spark Runs view holds at least one run (runs.ts). */
  runsLoaded: 'daglens.runs.loaded',
} as const;

export type ContextKey = (typeof CONTEXT_KEYS)[keyof typeof CONTEXT_KEYS];

export function setContextKey(key: ContextKey, value: boolean): void {
  void vscode.commands.executeCommand('setContext', key, value);
}
