/** Keyword sets the SQL extractor needs: what ends a clause, what cannot be an alias or a column. */

/** Words that end a FROM item or a select item at depth 0 (so they are never read as aliases). */
export const CLAUSE_WORDS = new Set([
  'FROM', 'WHERE', 'GROUP', 'HAVING', 'ORDER', 'LIMIT', 'OFFSET', 'FETCH', 'UNION', 'INTERSECT', 'EXCEPT', 'MINUS',
  'WINDOW', 'QUALIFY', 'SORT', 'CLUSTER', 'DISTRIBUTE', 'LATERAL', 'JOIN', 'INNER', 'LEFT', 'RIGHT', 'FULL', 'CROSS',
  'OUTER', 'SEMI', 'ANTI', 'NATURAL', 'ON', 'USING', 'INSERT', 'SELECT', 'WITH', 'VALUES', 'SET', 'WHEN', 'THEN',
  'PIVOT', 'UNPIVOT', 'TABLESAMPLE', 'INTO', 'AS', 'FOR', 'RETURNING', 'POSITIONAL', 'ASOF', 'PARTITION', 'START',
  'CONNECT', 'MATCH_RECOGNIZE', 'OPTIONS', 'AND', 'OR', 'NOT', 'GO', 'END', 'CASE', 'ELSE', 'IS', 'NULL', 'BY',
]);

/** Words never taken as column references inside expressions. */
export const EXPR_KEYWORDS = new Set([
  'AND', 'OR', 'NOT', 'CASE', 'WHEN', 'THEN', 'ELSE', 'END', 'AS', 'IS', 'NULL', 'TRUE', 'FALSE', 'IN', 'BETWEEN',
  'LIKE', 'ILIKE', 'RLIKE', 'REGEXP', 'ESCAPE', 'EXISTS', 'DISTINCT', 'ALL', 'ANY', 'SOME', 'INTERVAL', 'DATE',
  'TIMESTAMP', 'TIME', 'OVER', 'PARTITION', 'BY', 'ORDER', 'ASC', 'DESC', 'NULLS', 'FIRST', 'LAST', 'ROWS', 'RANGE',
  'UNBOUNDED', 'PRECEDING', 'FOLLOWING', 'CURRENT', 'ROW', 'FILTER', 'WITHIN', 'GROUP', 'DAY', 'DAYS', 'MONTH',
  'MONTHS', 'YEAR', 'YEARS', 'HOUR', 'HOURS', 'MINUTE', 'MINUTES', 'SECOND', 'SECONDS', 'WEEK', 'WEEKS', 'QUARTER',
  'SELECT', 'FROM', 'WHERE', 'HAVING', 'LIMIT', 'UNION', 'INTERSECT', 'EXCEPT', 'MINUS', 'JOIN', 'ON', 'USING',
  'INNER', 'LEFT', 'RIGHT', 'FULL', 'OUTER', 'CROSS', 'WITH', 'QUALIFY', 'WINDOW', 'ROLLUP', 'CUBE', 'GROUPING',
  'SETS', 'IGNORE', 'RESPECT', 'LATERAL', 'VIEW', 'EXPLODE', 'TRY_CAST', 'CAST', 'COLLATE', 'AT', 'ZONE', 'LOCAL',
  'BOTH', 'LEADING', 'TRAILING', 'SEPARATOR', 'UNKNOWN', 'SIMILAR', 'TO', 'OVERLAPS', 'DIV', 'MOD', 'XOR', 'BINARY',
  'CURRENT_DATE', 'CURRENT_TIMESTAMP', 'CURRENT_TIME', 'CURRENT_USER', 'LOCALTIME', 'LOCALTIMESTAMP', 'SORT',
  'CLUSTER', 'DISTRIBUTE', 'OFFSET', 'FETCH', 'NEXT', 'ONLY', 'TIES', 'PERCENT',
]);

/** Type names that appear bare after `::` or `AS` in casts. */
export const TYPE_WORDS = new Set([
  'STRING', 'INT', 'INTEGER', 'BIGINT', 'SMALLINT', 'TINYINT', 'FLOAT', 'DOUBLE', 'REAL', 'DECIMAL', 'NUMERIC',
  'NUMBER', 'BOOLEAN', 'BOOL', 'DATE', 'TIMESTAMP', 'TIMESTAMP_NTZ', 'TIMESTAMP_LTZ', 'TIMESTAMP_TZ', 'VARCHAR',
  'CHAR', 'TEXT', 'BINARY', 'VARIANT', 'ARRAY', 'MAP', 'STRUCT', 'OBJECT', 'LONG', 'SHORT', 'BYTE', 'DATETIME', 'TIME',
  'JSON', 'UUID', 'PRECISION', 'VARBINARY', 'INTERVAL', 'GEOGRAPHY',
]);

/** Functions whose arguments use FROM as a plain word (EXTRACT(YEAR FROM d), TRIM(x FROM y)). */
export const FROM_ARG_FUNCTIONS = new Set(['EXTRACT', 'TRIM', 'SUBSTRING', 'SUBSTR', 'POSITION', 'OVERLAY', 'DATE_PART', 'CEIL', 'FLOOR']);

/** `format.\`path\`` in FROM reads files directly (Spark). */
export const FILE_FORMATS = new Set(['parquet', 'csv', 'json', 'orc', 'avro', 'text', 'delta', 'binaryfile', 'iceberg', 'hudi']);
