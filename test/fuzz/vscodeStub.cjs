// The few parts of the `vscode` module the webview host needs, so the fuzz suite can render its HTML shell in Node.
class Uri {
  constructor(p) {
    this.path = p;
  }
  static joinPath(base, ...parts) {
    return new Uri([base.path, ...parts].join('/'));
  }
  static file(p) {
    return new Uri(p);
  }
  toString() {
    return `vscode-resource://ext${this.path}`;
  }
}
module.exports = { Uri };
