/**
 * Chat transcript persistence in the workspace's state: validated on load, bounded on save. What was saved is
 * checked turn by turn: a damaged turn (a crash mid-write, a stored value from another version) is dropped and
 * said so, the readable turns are kept — the view never renders something that is not a turn.
 */
import type * as vscode from 'vscode';
import { ChatTurnSchema, type ChatTurn } from '@daglens/protocol';

const KEY = 'daglens.chat.history.v1';
const MAX_TURNS = 100;
const MAX_CHARS = 1_000_000;

export function loadHistory(state: vscode.Memento, onProblem: (m: string) => void): ChatTurn[] {
  const raw = state.get<unknown>(KEY);
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    onProblem('the saved chat history was unreadable and has been reset');
    return [];
  }
  const turns: ChatTurn[] = [];
  const ids = new Set<string>();
  for (const item of raw) {
    const t = ChatTurnSchema.safeParse(item);
    if (!t.success || ids.has(t.data.id)) continue;
    ids.add(t.data.id);
    // A turn saved mid-stream (the window closed, the editor was killed) did not finish.
    turns.push(t.data.status === 'streaming' ? { ...t.data, status: 'stopped' as const } : t.data);
  }
  const dropped = raw.length - turns.length;
  if (dropped && !turns.length) onProblem('the saved chat history was unreadable and has been reset');
  else if (dropped)
    onProblem(
      `${dropped} unreadable turn${dropped > 1 ? 's' : ''} of the saved chat history ${dropped > 1 ? 'were' : 'was'} dropped; the other ${turns.length} were kept`,
    );
  return turns;
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
