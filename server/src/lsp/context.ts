import type { Connection, ServerCapabilities, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Logger } from '../engine/log';
import type { Freshness } from './freshness';
import type { Session } from './session';

/** What a feature module gets to register its handlers. */
export interface ServerContext {
  connection: Connection;
  documents: TextDocuments<TextDocument>;
  log: Logger;
  /** Whether lineage answers may be incomplete, and the rebuild/refresh that keeps lenses right. */
  freshness: Freshness;
  /** The session; throws before `initialize`. */
  session(): Session;
  /** Makes sure the engine has parsed the editor's current text; returns the document's path (file: only). */
  sync(doc: TextDocument): string | undefined;
  /** The path of a URI when it is a file the engine may know (open or on disk). */
  pathOf(uri: string): string | undefined;
}

/** A feature: the capabilities it adds and the handlers it registers. */
export interface Feature {
  capabilities?: ServerCapabilities;
  register(ctx: ServerContext): void;
}
