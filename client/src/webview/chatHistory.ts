/** Chat transcript persistence in the workspace's state: validated on load, bounded on save. */
import type * as vscode from 'vscode';
import { z } from 'zod';
import { ChatTurnSchema, type ChatTurn } from '@daglens/protocol';

const KEY = 'daglens.chat.history.v1';
const MAX_TURNS = 100;
const MAX_CHARS = 1_000_000;

export function loadHistory(state: vscode.Memento, onProblem: (m: string) => void): ChatTurn[] {
  const raw = state.get<unknown>(KEY);
  if (raw === undefined) return [];
  const parsed = z.array(ChatTurnSchema).safeParse(raw);
  if (!parsed.success) {
    onProblem('the saved chat history was unreadable and has been reset');
    return [];
  }
  // A turn saved mid-stream (the window closed) did not finish.
  return parsed.data.map((t) => (t.status === 'streaming' ? { ...t, status: 'stopped' as const } : t));
}

/** Keeps the newest turns within the bounds. */
export function boundHistory(turns: ChatTurn[]): ChatTurn[] {
  const out: ChatTurn[] = [];
  let chars = 0;
  for (let i = turns.length - 1; i >= 0 && out.length < MAX_TURNS; i--) {
    chars += turns[i]!.text.length;
    if (chars > MAX_CHARS) break;
    out.unshift(turns[i]!);
  }
  return out;
}

export function saveHistory(state: vscode.Memento, turns: ChatTurn[]): Thenable<void> {
  return state.update(KEY, boundHistory(turns));
}
