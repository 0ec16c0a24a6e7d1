/** What the editor e2e tests read off a real VS Code page: webview frames, tabs, the cursor, lenses, hovers. */
import type { Frame } from 'playwright-core';
import type { VsCodeSession } from './harness';

/** The webview frame (chat or graph) that holds `selector`. */
export async function webview(vs: VsCodeSession, selector: string, timeoutMs = 30_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const f of vs.page.frames()) {
      if (
        await f
          .locator(selector)
          .count()
          .catch(() => 0)
      )
        return f;
    }
    await vs.page.waitForTimeout(200);
  }
  throw new Error(`no webview shows ${selector} within ${timeoutMs} ms`);
}

/** The tab that is active in the editor area, by its label. */
export async function activeTab(vs: VsCodeSession): Promise<string> {
  return (await vs.page.locator('.tabs-container .tab.active').first().getAttribute('aria-label')) ?? '';
}

export async function waitForActiveTab(vs: VsCodeSession, name: string, timeoutMs = 15_000): Promise<void> {
  await vs.page.waitForFunction(
    (n) => document.querySelector('.tabs-container .tab.active')?.getAttribute('aria-label')?.startsWith(n),
    name,
    { timeout: timeoutMs },
  );
}

/** The cursor as the status bar shows it: 1-based line and how many characters are selected (0: none). */
export async function cursor(vs: VsCodeSession): Promise<{ line: number; selected: number }> {
  const text = await vs.page.locator('.statusbar-item[id="status.editor.selection"]').first().innerText();
  return {
    line: Number(/Ln (\d+)/.exec(text)?.[1] ?? NaN),
    selected: Number(/\((\d+) selected\)/.exec(text)?.[1] ?? 0),
  };
}

/** Moves the mouse onto the first occurrence of `word` in the visible editor text (tokens split words unpredictably). */
export async function hoverWord(vs: VsCodeSession, word: string, nth = 0): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const at = await vs.page.evaluate(
      ([w, n]) => {
        let seen = 0;
        for (const line of Array.from(document.querySelectorAll('.editor-instance .view-lines .view-line')).sort(
          (a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top,
        )) {
          const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const i = (node.textContent ?? '').search(new RegExp(`\\b${w}\\b`));
            if (i < 0 || seen++ < (n as number)) continue;
            const r = document.createRange();
            r.setStart(node, i);
            r.setEnd(node, i + (w as string).length);
            const b = r.getBoundingClientRect();
            return { x: b.left + b.width / 2, y: b.top + b.height / 2 };
          }
        }
        return undefined;
      },
      [word, nth] as const,
    );
    if (at) {
      await vs.page.mouse.move(at.x - 20, at.y);
      await vs.page.mouse.move(at.x, at.y, { steps: 4 });
      return;
    }
    await vs.page.waitForTimeout(200);
  }
  throw new Error(`'${word}' is not shown in the editor`);
}

/** The code lens texts the editor shows now. */
export async function lensTexts(vs: VsCodeSession): Promise<string[]> {
  return vs.page
    .locator('.monaco-editor .codelens-decoration')
    .evaluateAll((els) => els.map((e) => (e.textContent ?? '').trim()));
}

export async function lensesUntil(
  vs: VsCodeSession,
  pred: (texts: string[]) => boolean,
  timeoutMs = 60_000,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let texts: string[] = [];
  while (Date.now() < deadline) {
    texts = await lensTexts(vs);
    if (pred(texts)) return texts;
    await vs.page.waitForTimeout(100);
  }
  throw new Error(`the expected code lenses did not show within ${timeoutMs} ms; shown: ${JSON.stringify(texts)}`);
}

/** Goes to a 1-based line of the active editor (Ctrl+G). */
export async function goToLine(vs: VsCodeSession, line: number): Promise<void> {
  await vs.page.locator('.editor-instance .monaco-editor .view-lines').first().click();
  await vs.page.keyboard.press('Control+G');
  await vs.page.locator('.quick-input-widget input').waitFor({ timeout: 10_000 });
  await vs.page.keyboard.type(String(line));
  await vs.page.keyboard.press('Enter');
}

/** The notification toasts shown now: their text, severity and buttons. */
export async function toasts(vs: VsCodeSession): Promise<Array<{ text: string; severity: string; buttons: string[] }>> {
  return vs.page.locator('.notifications-toasts .notification-toast').evaluateAll((els) =>
    els.map((e) => ({
      text: (e.querySelector('.notification-list-item-message')?.textContent ?? '').trim(),
      severity:
        ['error', 'warning', 'info'].find((s) => e.querySelector(`.codicon-${s}, .codicon-notifications-${s}`)) ??
        'unknown',
      buttons: Array.from(e.querySelectorAll('.notification-list-item-buttons-container .monaco-button')).map((b) =>
        (b.textContent ?? '').trim(),
      ),
    })),
  );
}
