/** The chat sidebar page: transcript, streaming answers as safe markdown, citations, context chips, input. */
import {
  ChatToWebviewSchema,
  type ChatAction,
  type ChatAvailability,
  type ChatContext,
  type ChatToExtension,
  type ChatTurn,
} from '@daglens/protocol/webview';
import { button, el, icon, onMessage, post as postRaw } from '../shared/bridge';
import { renderMarkdown } from '../shared/markdown';

const post = (m: ChatToExtension) => postRaw(m);

const ACTION_LABELS: Record<ChatAction, [string, string]> = {
  setApiKey: ['Set API Key', 'key'],
  openSettings: ['Open Settings', 'settings-gear'],
  manageTrust: ['Manage Workspace Trust', 'shield'],
  showLogs: ['Show Logs', 'output'],
  restartServer: ['Restart Server', 'debug-restart'],
};

let turns: ChatTurn[] = [];
let contexts: ChatContext[] = [];
let availability: ChatAvailability = { state: 'ready', message: '', actions: [] };

const root = document.getElementById('app')!;
const banner = el('div', 'dl-banner');
banner.setAttribute('role', 'status');
const transcript = el('div', 'dl-transcript');
transcript.setAttribute('role', 'log');
transcript.setAttribute('aria-live', 'polite');
const notice = el('div', 'dl-notice');
notice.setAttribute('role', 'alert');
const chips = el('div', 'dl-chips');
const input = el('textarea', 'dl-input');
input.rows = 3;
input.placeholder = 'Ask about this workspace — Enter to send, Shift+Enter for a new line';
input.setAttribute('aria-label', 'Question');
const sendBtn = button('Ask', 'send', 'Send the question (Enter)', () => send(), 'dl-primary');
const stopBtn = button('Stop', 'debug-stop', 'Stop the answer (Escape)', () => post({ type: 'stop' }), 'dl-stop');
const composer = el('div', 'dl-composer');
const actions = el('div', 'dl-composer-actions');
actions.append(stopBtn, sendBtn);
composer.append(chips, input, actions);
// New chat lives in the view's title bar (a contributed command), as in VS Code's own views.
root.append(banner, transcript, notice, composer);

function streaming(): boolean {
  return turns.some((t) => t.status === 'streaming');
}

function send(): void {
  const question = input.value.trim();
  if (!question || streaming() || availability.state === 'serverDown') return;
  post({ type: 'ask', question });
  input.value = '';
}

input.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    send();
  }
});
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && streaming()) post({ type: 'stop' });
});

function renderBanner(): void {
  banner.replaceChildren();
  banner.hidden = availability.state === 'ready';
  if (banner.hidden) return;
  banner.append(icon(availability.state === 'serverDown' ? 'error' : 'info'), ' ', el('p', '', availability.message));
  const row = el('div', 'dl-banner-actions');
  for (const a of availability.actions) {
    const [label, codicon] = ACTION_LABELS[a];
    row.append(button(label, codicon, label, () => post({ type: 'action', action: a })));
  }
  banner.append(row);
}

function renderChips(): void {
  chips.replaceChildren(
    ...contexts.map((c) => {
      const chip = el('span', 'dl-chip');
      chip.title = c.range ? `${c.range.file}:${c.range.startLine}-${c.range.endLine}` : c.label;
      chip.append(
        icon(c.kind === 'dagNode' ? 'type-hierarchy' : c.kind === 'selection' ? 'selection' : 'file'),
        el('span', '', c.label),
      );
      chip.append(
        button('', 'close', `Remove ${c.label}`, () => post({ type: 'removeContext', id: c.id }), 'dl-chip-remove'),
      );
      return chip;
    }),
  );
}

function citationLabel(c: ChatTurn['citations'][number]): string {
  const base = c.file.split(/[\\/]/).pop() ?? c.file;
  return `${c.label ? `${c.label} · ` : ''}${base}:${c.startLine}${c.endLine !== c.startLine ? `-${c.endLine}` : ''}`;
}

function renderTurn(t: ChatTurn): HTMLElement {
  const box = el('div', `dl-turn dl-${t.role} dl-${t.status}`);
  box.dataset.turnId = t.id;
  if (t.role === 'user') {
    box.append(el('div', 'dl-question', t.text));
    if (t.contexts.length)
      box.append(el('div', 'dl-turn-contexts', `with ${t.contexts.map((c) => c.label).join(', ')}`));
    return box;
  }
  const body = el('div', 'dl-answer');
  // renderMarkdown escapes raw HTML and filters links: its output is safe for innerHTML. `[k]` in the text
  // links to citation k (the chips below are numbered the same way).
  body.innerHTML = renderMarkdown(
    t.text || (t.status === 'streaming' ? '' : '_(no answer)_'),
    t.status === 'streaming' ? 0 : t.citations.length,
  );
  body.addEventListener('click', (e) => {
    const a = e.target instanceof Element ? e.target.closest<HTMLAnchorElement>('a.dl-cite') : null;
    const c = a ? t.citations[Number(a.dataset.cite) - 1] : undefined;
    if (!c) return;
    e.preventDefault();
    post({ type: 'openCitation', citation: { file: c.file, startLine: c.startLine, endLine: c.endLine } });
  });
  box.append(body);
  if (t.status === 'streaming') box.append(el('div', 'dl-typing', 'answering…'));
  if (t.status === 'stopped') box.append(el('div', 'dl-meta', 'Stopped.'));
  if (t.status === 'error') {
    const err = el('div', 'dl-error');
    err.append(icon('error'), el('span', '', t.error ?? 'The answer failed.'));
    box.append(err);
  }
  if (t.citations.length) {
    const list = el('div', 'dl-citations');
    list.setAttribute('aria-label', 'Citations');
    t.citations.forEach((c, i) => {
      const chip = button(
        `[${i + 1}] ${citationLabel(c)}`,
        'go-to-file',
        `Open ${c.file} at line ${c.startLine}`,
        () => post({ type: 'openCitation', citation: { file: c.file, startLine: c.startLine, endLine: c.endLine } }),
        'dl-citation',
      );
      // The whole label on hover, since a narrow sidebar cuts it short.
      chip.title = `[${i + 1}] ${c.label ? `${c.label} · ` : ''}${c.file}:${c.startLine}-${c.endLine}`;
      list.append(chip);
    });
    box.append(list);
  }
  if (t.status !== 'streaming' && t.text) {
    const tools = el('div', 'dl-turn-tools');
    tools.append(button('Copy', 'copy', 'Copy the answer', () => post({ type: 'copy', turnId: t.id })));
    box.append(tools);
  }
  return box;
}

function renderTranscript(): void {
  const atBottom = transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight < 40;
  if (!turns.length) {
    const empty = el('div', 'dl-empty');
    empty.append(
      el('p', '', 'Ask where a table comes from, what breaks if you change a model, or which code made a DAG node.'),
      el(
        'p',
        'dl-meta',
        'Add the current file, a selection or a DAG node with “Ask DagLens about this” in the editor context menu.',
      ),
    );
    transcript.replaceChildren(empty);
  } else {
    transcript.replaceChildren(...turns.map(renderTurn));
  }
  if (atBottom) transcript.scrollTop = transcript.scrollHeight;
}

function renderControls(): void {
  const busy = streaming();
  stopBtn.hidden = !busy;
  sendBtn.hidden = busy;
  // Without a model the server still answers from the index (offline): only a stopped server blocks asking.
  const usable = availability.state !== 'serverDown';
  input.disabled = !usable;
  sendBtn.disabled = !usable;
}

function render(): void {
  renderBanner();
  renderChips();
  renderTranscript();
  renderControls();
}

// Streaming: deltas arrive many per second; repaint at most once a frame.
let pending = false;
function scheduleRender(): void {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    renderTranscript();
    renderControls();
  });
}

onMessage(ChatToWebviewSchema, (m) => {
  switch (m.type) {
    case 'state':
      turns = m.turns;
      contexts = m.contexts;
      availability = m.availability;
      notice.textContent = '';
      render();
      break;
    case 'delta': {
      const t = turns.find((x) => x.id === m.turnId);
      if (t) t.text += m.text;
      else
        turns.push({ id: m.turnId, role: 'assistant', text: m.text, citations: [], contexts: [], status: 'streaming' });
      scheduleRender();
      break;
    }
    case 'turn': {
      const i = turns.findIndex((x) => x.id === m.turn.id);
      if (i >= 0) turns[i] = m.turn;
      else turns.push(m.turn);
      scheduleRender();
      break;
    }
    case 'contexts':
      contexts = m.contexts;
      renderChips();
      break;
    case 'availability':
      availability = m.availability;
      renderBanner();
      renderControls();
      break;
    case 'notice':
      notice.textContent = m.message;
      notice.className = `dl-notice dl-${m.level}`;
      break;
  }
});

render();
post({ type: 'ready' });
