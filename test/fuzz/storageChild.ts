/**
 * A writer the storage area kills with SIGKILL at a random moment. It writes through the real stores (the
 * LLM ledger, response cache and explanation store; the chat history through a memento that persists like
 * VS Code's storage) as fast as it can, and prints `ack <kind> <n>` once a write has returned — what the
 * parent may then demand to find after the kill.
 *
 *   node --import tsx test/fuzz/storageChild.ts llm  <dir> <writer-id>
 *   node --import tsx test/fuzz/storageChild.ts chat <file> <writer-id>
 */
import { readFileSync } from 'node:fs';
import type * as vscode from 'vscode';
import { writeFileAtomic } from '../../server/src/engine/durableFs';
import { ResponseCache } from '../../server/src/engine/llm/cache';
import { ExplanationStore } from '../../server/src/engine/llm/features/explain';
import { Ledger } from '../../server/src/engine/llm/ledger';
import { saveHistory } from '../../client/src/webview/chatHistory';
import type { ChatTurn } from '../../server/src/protocol';

const [mode, target, writer] = process.argv.slice(2);

function ack(kind: string, n: number): void {
  process.stdout.write(`ack ${kind} ${n}\n`);
}

/** A Memento whose updates reach a JSON file atomically (VS Code's state database is transactional too). */
export class FileMemento implements Pick<vscode.Memento, 'get' | 'update' | 'keys'> {
  private data: Record<string, unknown>;
  constructor(private readonly file: string) {
    try {
      this.data = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch {
      this.data = {};
    }
  }
  keys(): readonly string[] {
    return Object.keys(this.data);
  }
  get<T>(key: string, dflt?: T): T | undefined {
    return (key in this.data ? this.data[key] : dflt) as T | undefined;
  }
  update(key: string, value: unknown): Thenable<void> {
    this.data[key] = value;
    writeFileAtomic(this.file, JSON.stringify(this.data));
    return Promise.resolve();
  }
}

async function llm(dir: string): Promise<void> {
  const ledger = new Ledger(dir);
  const cache = new ResponseCache(dir, 3_600_000);
  const explanations = new ExplanationStore(`${dir}/explanations`);
  process.stdout.write('ready\n');
  for (let i = 0; ; i++) {
    ledger.add({
      feature: `fuzz-${writer}-${i}`,
      provider: 'fake',
      model: 'gpt-4o-mini',
      outcome: 'ok',
      promptTokens: 100 + i,
      completionTokens: 10,
      costUsd: 1e-6,
      latencyMs: 1,
    });
    ack('ledger', i);
    cache.set(`key-${writer}-${i}`, { text: `answer ${writer} ${i} ${'x'.repeat(i % 50)}` });
    await cache.flush();
    ack('cache', i);
    explanations.set(`h${writer}x${i}`, { summary: `summary ${i}`, model: 'm' });
    ack('explanation', i);
  }
}

async function chat(file: string): Promise<void> {
  const memento = new FileMemento(file);
  const turns: ChatTurn[] = [];
  process.stdout.write('ready\n');
  for (let i = 0; ; i++) {
    turns.push({
      id: `u${writer}-${i}`,
      role: 'user',
      text: `question ${i}`,
      citations: [],
      contexts: [],
      status: 'done',
    });
    const answer: ChatTurn = {
      id: `a${writer}-${i}`,
      role: 'assistant',
      text: '',
      citations: [],
      contexts: [],
      status: 'streaming',
    };
    turns.push(answer);
    // Saved as the answer streams in (the view saves on every change), then once done.
    for (let d = 0; d < 5; d++) {
      answer.text += `part ${d} of answer ${i}. `;
      await saveHistory(memento as unknown as vscode.Memento, turns);
    }
    answer.status = 'done';
    await saveHistory(memento as unknown as vscode.Memento, turns);
    ack('turn', i);
  }
}

(mode === 'llm' ? llm(target) : chat(target)).catch((e: unknown) => {
  process.stderr.write(`storage child failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(3);
});
