/**
 * Stand-in for vscode-languageserver-protocol in the webview bundles (esbuild.mjs maps the import here).
 * The pages use only the zod schemas of protocol.ts, but evaluating that module constructs its request and
 * notification types: these classes are enough, and keep ~130 KB of JSON-RPC code out of each page.
 * A new import from the protocol package fails the webview build loudly ("No matching export").
 */
class MessageSignature {
  constructor(readonly method: string) {}
}
export class RequestType<P, R, E> extends MessageSignature {
  declare readonly _?: [P, R, E];
}
export class RequestType0<R, E> extends MessageSignature {
  declare readonly _?: [R, E];
}
export class NotificationType<P> extends MessageSignature {
  declare readonly _?: P;
}
export class NotificationType0 extends MessageSignature {}
