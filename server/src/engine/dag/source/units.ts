/** Builds the source unit of a workspace file, by language; files that cannot make a DAG give none. */
import path from 'node:path';
import type { SourceUnit } from './anchors';
import { pythonUnit } from './pythonAnchors';
import { sqlUnit } from './sqlAnchors';

export type UnitLanguage = 'sql' | 'python' | 'scala' | 'java' | string;

export function buildUnit(rel: string, text: string, lang: UnitLanguage): SourceUnit | undefined {
  const stem = path.basename(rel).replace(/\.[^.]+$/, '');
  if (lang === 'sql') return sqlUnit(rel, text, stem);
  if (lang === 'python' || lang === 'scala') return pythonUnit(rel, text, stem);
  return undefined;
}
