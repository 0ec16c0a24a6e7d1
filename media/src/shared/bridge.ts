/** Webview side of the message bridge: every message from the extension is parsed with its schema. */
import type { z } from 'zod';

interface VsCodeApi {
  postMessage(msg: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

export const vscodeApi: VsCodeApi = acquireVsCodeApi();

export function post<Out>(msg: Out): void {
  vscodeApi.postMessage(msg);
}

export function onMessage<In>(schema: z.ZodType<In, z.ZodTypeDef, unknown>, handle: (msg: In) => void): void {
  window.addEventListener('message', (e: MessageEvent) => {
    const parsed = schema.safeParse(e.data);
    if (!parsed.success) {
      console.warn('DagLens: ignored a malformed message', parsed.error.issues[0]);
      return;
    }
    handle(parsed.data);
  });
}

/** Creates an element with classes and text (never HTML). */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls = '', text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

export function icon(name: string): HTMLElement {
  return el('span', `codicon codicon-${name}`);
}

export function button(
  label: string,
  codicon: string,
  title: string,
  onClick: () => void,
  cls = '',
): HTMLButtonElement {
  const b = el('button', `dl-button ${cls}`.trim());
  b.type = 'button';
  b.title = title;
  b.setAttribute('aria-label', title);
  if (codicon) b.append(icon(codicon));
  if (label) b.append(el('span', '', label));
  b.addEventListener('click', onClick);
  return b;
}
