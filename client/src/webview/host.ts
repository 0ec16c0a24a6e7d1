/**
 * The shared webview host: options that confine a webview to the extension's media/ and dist/ folders,
 * the HTML shell with a strict Content-Security-Policy (one nonce per render, no remote anything), and a
 * message bridge that parses every message in both directions with its zod schema.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { z } from 'zod';

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media'), vscode.Uri.joinPath(extensionUri, 'dist')],
  };
}

export interface Shell {
  title: string;
  /** Bundle name in dist/webview/ (without .js). */
  script: string;
  /** Style sheets in media/ besides the shared base.css. */
  styles: string[];
  /** Static markup of the page body (trusted: written by us, never from data). */
  body: string;
}

export function makeNonce(): string {
  return randomBytes(18).toString('base64url');
}

/** The CSP of a webview page: scripts only with the nonce, styles/fonts/images only from the extension. */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

export function renderShell(webview: vscode.Webview, extensionUri: vscode.Uri, shell: Shell): string {
  const nonce = makeNonce();
  const uri = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...p)).toString();
  const styles = [
    uri('dist', 'media', 'codicons', 'codicon.css'),
    uri('media', 'base.css'),
    ...shell.styles.map((s) => uri('media', s)),
  ];
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(webview.cspSource, nonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${styles.map((s) => `<link rel="stylesheet" href="${s}">`).join('\n')}
<title>${escapeHtml(shell.title)}</title>
</head>
<body>
${shell.body}
<script nonce="${nonce}" src="${uri('dist', 'webview', `${shell.script}.js`)}"></script>
</body>
</html>`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Typed, validated messaging with one webview. */
export class WebviewBridge<In, Out> implements vscode.Disposable {
  private readonly sub: vscode.Disposable;

  constructor(
    private readonly webview: vscode.Webview,
    inbound: z.ZodType<In, z.ZodTypeDef, unknown>,
    private readonly outbound: z.ZodType<Out, z.ZodTypeDef, unknown>,
    onMessage: (msg: In) => void | Promise<void>,
    private readonly onProblem: (problem: string) => void,
  ) {
    this.sub = webview.onDidReceiveMessage(async (raw: unknown) => {
      const parsed = inbound.safeParse(raw);
      if (!parsed.success) {
        onProblem(
          `ignored a malformed webview message (${describeType(raw)}): ${parsed.error.issues.map((i) => `${i.path.join('.') || 'message'}: ${i.message}`).join('; ')}`,
        );
        return;
      }
      try {
        await onMessage(parsed.data);
      } catch (e) {
        onProblem(`webview message '${describeType(raw)}' failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    });
  }

  /** Posts a message after checking it against the outbound schema (a bug here must not reach the page). */
  post(msg: Out): Thenable<boolean> {
    const parsed = this.outbound.safeParse(msg);
    if (!parsed.success) {
      this.onProblem(`not sending an invalid message to the webview: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      return Promise.resolve(false);
    }
    return this.webview.postMessage(parsed.data);
  }

  dispose(): void {
    this.sub.dispose();
  }
}

function describeType(raw: unknown): string {
  const t = raw && typeof raw === 'object' ? (raw as { type?: unknown }).type : undefined;
  return typeof t === 'string' ? t.slice(0, 40) : typeof raw;
}
