/**
 * Name normalisation: the same table is one node however the code spells it. Parts are unquoted and
 * lower-cased (Spark and most warehouses resolve names case-insensitively), and the default catalog and
 * schema are dropped, so `spark_catalog.default.Sales`, `default.sales`, `` `sales` `` are all `sales`.
 */
export interface NameDefaults {
  /** Catalog (database in 3-part names) that unqualified names resolve to. */
  defaultCatalog: string;
  /** Schema that unqualified names resolve to. */
  defaultSchema: string;
}

export const DEFAULT_NAMES: NameDefaults = { defaultCatalog: 'spark_catalog', defaultSchema: 'default' };

export function normalizeParts(parts: readonly string[], d: NameDefaults = DEFAULT_NAMES): string {
  let p = parts.map((x) => x.trim().toLowerCase()).filter((x) => x.length > 0);
  if (p.length >= 3 && p[p.length - 3] === d.defaultCatalog.toLowerCase()) p = [...p.slice(0, -3), ...p.slice(-2)];
  if (p.length === 2 && p[0] === d.defaultSchema.toLowerCase()) p = p.slice(1);
  return p.join('.');
}

/** Normalises a dotted name written in code (quotes allowed: "a"."b", `a`.`b`, [a].[b]). */
export function normalizeName(name: string, d: NameDefaults = DEFAULT_NAMES): string {
  return normalizeParts(splitDotted(name), d);
}

/** Splits on dots outside quotes and strips the quotes. */
export function splitDotted(name: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let quote: string | undefined;
  for (const ch of name.trim()) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else cur += ch;
    } else if (ch === '"' || ch === '`') quote = ch;
    else if (ch === '[') quote = ']';
    else if (ch === '.') {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts;
}

/** The last part of a normalised name (the table name itself). */
export function baseName(normalized: string): string {
  const i = normalized.lastIndexOf('.');
  return i < 0 ? normalized : normalized.slice(i + 1);
}
