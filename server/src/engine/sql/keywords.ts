/**
 * The one SQL keyword table. Word groups are written once, lower-case; each reader's sets are built from them in
 * the case its tokens carry (the lineage reader tests `upper`, the DAG anchors test `lower`). The sets differ on
 * purpose (what ends an item is not what opens a clause); their exact contents are pinned by both evals.
 */

const words = (...groups: string[]): string[] => groups.join(' ').split(/\s+/).filter(Boolean);
const upperSet = (...groups: string[]) => new Set(words(...groups).map((w) => w.toUpperCase()));
const lowerSet = (...groups: string[]) => new Set(words(...groups));

/** Words that open a clause of a query block. */
const CLAUSE_OPENERS =
  'select from where group having order limit qualify window union intersect except minus ' +
  'on using join lateral sort cluster distribute';
/** Words that make up a join (`left outer join`, `cross join`, `left semi join`). */
const JOINS = 'join inner left right full outer cross natural semi anti';
/** Boolean connectives and the rest of CASE, which also end an item. */
const CONNECTIVES = 'and or not';
const CASE_WORDS = 'case when then else end';
const DATE_PARTS = 'day days month months year years hour hours minute minutes second seconds week weeks quarter';
const WINDOW_FRAME =
  'over partition by order asc desc nulls first last rows range unbounded preceding following ' + 'current row';

// ---- The lineage reader (upper-case sets: tokens carry `upper`) ----

/** Words that end a FROM item or a select item at depth 0 (so they are never read as aliases). */
export const CLAUSE_WORDS = upperSet(
  CLAUSE_OPENERS,
  JOINS,
  CONNECTIVES,
  CASE_WORDS,
  'offset fetch insert with values set pivot unpivot tablesample into as for returning positional asof partition start',
  'connect match_recognize options go is null by',
);

/** Words never taken as column references inside expressions. */
export const EXPR_KEYWORDS = upperSet(
  CONNECTIVES,
  CASE_WORDS,
  WINDOW_FRAME,
  DATE_PARTS,
  'as is null true false in between like ilike rlike regexp escape exists distinct all any some interval',
  'date timestamp time filter within group',
  'select from where having limit union intersect except minus join on using inner left right full outer cross with',
  'qualify window rollup cube grouping sets ignore respect lateral view explode try_cast cast collate at zone',
  'local both leading trailing separator unknown similar to overlaps div mod xor binary',
  'current_date current_timestamp current_time current_user localtime localtimestamp',
  'sort cluster distribute offset fetch next only ties percent',
);

/** Type names that appear bare after `::` or `AS` in casts. */
export const TYPE_WORDS = upperSet(
  'string int integer bigint smallint tinyint float double real decimal numeric number boolean bool date timestamp',
  'timestamp_ntz timestamp_ltz timestamp_tz varchar char text binary variant array map struct object long short byte',
  'datetime time json uuid precision varbinary interval geography',
);

/** Functions whose arguments use FROM as a plain word (EXTRACT(YEAR FROM d), TRIM(x FROM y)). */
export const FROM_ARG_FUNCTIONS = upperSet('extract trim substring substr position overlay date_part ceil floor');

/** `format.\`path\`` in FROM reads files directly (Spark); lower-case, compared with the lower-cased prefix. */
export const FILE_FORMATS = lowerSet('parquet csv json orc avro text delta binaryfile iceberg hudi');

// ---- The DAG anchors (lower-case sets: tokens carry `lower`) ----

/** Words that open a clause the anchor scanner follows. */
export const ANCHOR_CLAUSES = lowerSet(CLAUSE_OPENERS);
export const JOIN_WORDS = lowerSet(JOINS);
/** Words that cannot be a table's or a derived table's alias. */
export const NOT_ALIAS = lowerSet(CLAUSE_OPENERS, JOINS, CONNECTIVES, 'as with tablesample pivot unpivot values by');
/** Words that are SQL, not names: left out of the terms anchors hold (`__jinja__`: a Jinja expression's stand-in). */
export const SQL_WORDS = lowerSet(
  'select from where and or not as on in is null between like',
  CASE_WORDS,
  'group by order having limit',
  WINDOW_FRAME,
  'join inner left right full outer cross union all distinct with cast exists interval days day date',
  'decimal int integer string varchar char double float bigint true false rollup cube grouping sets intersect except',
  '__jinja__',
);
