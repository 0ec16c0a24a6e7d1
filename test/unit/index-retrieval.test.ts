// Retrieval quality over the shared corpora: labelled queries (natural language and identifiers) → the
// symbol a person would want. The floor fails CI when ranking regresses; the table printed on failure
// says which queries moved.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { parseSettings } from '../../server/src/engine/config';
import { CodeIndex } from '../../server/src/engine/index/codeIndex';
import { syncIndex } from '../../server/src/engine/index/indexer';
import { CORPORA } from '../helpers';

interface Labelled {
  query: string;
  /** Workspace-relative path the hit must be in (suffix match). */
  file: string;
  /** Acceptable symbol names (a chunk of the symbol, or of one of them). */
  names: string[];
}

const AF = 'airflow/astronomer-2-9-example-dags/';
const PY = 'pyspark/pyspark-example-project/';
const DA = 'dbt/dbt_analytics/models/';
const JS = 'dbt/jaffle-shop/models/';

const QUERIES: Labelled[] = [
  // natural language
  { query: 'extract data from the spark job', file: `${PY}jobs/etl_job.py`, names: ['extract_data'] },
  { query: 'start a spark session and load config files', file: `${PY}dependencies/spark.py`, names: ['start_spark'] },
  { query: 'wrapper around the log4j logger', file: `${PY}dependencies/logging.py`, names: ['Log4j', '__init__'] },
  { query: 'collect data locally and write to csv', file: `${PY}jobs/etl_job.py`, names: ['load_data'] },
  { query: 'create test data for the etl job', file: `${PY}jobs/etl_job.py`, names: ['create_test_data'] },
  {
    query: 'sentiment analysis of toy feedback',
    file: `${AF}dags/data-engineering-use-case/analyze_customer_feedback.py`,
    names: ['analyze_sentiment', 'get_toy_sentiment'],
  },
  {
    query: 'create embeddings for customer feedback',
    file: `${AF}dags/data-engineering-use-case/analyze_customer_feedback.py`,
    names: ['create_embeddings'],
  },
  {
    query: 'wait for new files to arrive',
    file: `${AF}dags/data-engineering-use-case/ingestion/create_ingestion_dags.py`,
    names: ['wait_for_new_files'],
  },
  {
    query: 'verify the checksum of an ingested file',
    file: `${AF}include/ingestion/ingest_functions.py`,
    names: ['verify_checksum'],
  },
  {
    query: 'load data from S3 into Snowflake',
    file: `${AF}dags/data-engineering-use-case/ingestion/load_to_snowflake.py`,
    names: ['load_to_snowflake'],
  },
  {
    query: 'key metrics for the earnings report',
    file: `${AF}dags/data-engineering-use-case/prepare_earnings_report.py`,
    names: ['get_key_metrics'],
  },
  {
    query: 'send mails on the internal reporting platform',
    file: `${AF}dags/data-engineering-use-case/prepare_earnings_report.py`,
    names: ['send_mails_internal_platform'],
  },
  {
    query: 'train a proprietary LLM',
    file: `${AF}include/rainbow_operators/rainbow_operators.py`,
    names: ['TrainProprietaryLLMOperator'],
  },
  {
    query: 'operator that spins up a GPU',
    file: `${AF}include/rainbow_operators/rainbow_operators.py`,
    names: ['SpinUpGPUOperator'],
  },
  { query: 'size of a deeply nested python object', file: `${AF}include/helpers.py`, names: ['deep_getsizeof'] },
  {
    query: 'push big and small objects to xcom',
    file: `${AF}dags/toys/toy_xcom_big_v_small.py`,
    names: ['push_objects'],
  },
  {
    query: 'read text from a file in object storage',
    file: `${AF}dags/toys/toy_downstream_obj_storage_dataset.py`,
    names: ['read_text_from_file'],
  },
  {
    query: 'write text to a file in object storage',
    file: `${AF}dags/toys/toy_upstream_obj_storage_dataset.py`,
    names: ['write_to_text_file'],
  },
  {
    query: 'task that raises a skip exception',
    file: `${AF}dags/toys/toy_on_skipped_callback.py`,
    names: ['task_that_raises_skip_exception'],
  },
  {
    query: 'generate a csv of customer feedback',
    file: `${AF}include/data_generation/generate_sample_data.py`,
    names: ['create_customer_feedback_csv'],
  },
  {
    query: 'dog profiles for testing',
    file: `${AF}include/data_generation/generate_sample_data.py`,
    names: ['create_testing_dog_profile_csv'],
  },
  {
    query: 'first and last order dates and lifetime spend per customer',
    file: `${JS}marts/customers.sql`,
    names: ['customer_orders_summary'],
  },
  { query: 'count food and drink items per order', file: `${JS}marts/orders.sql`, names: ['order_items_summary'] },
  {
    query: 'staging model for facebook ads campaigns',
    file: `${DA}staging/facebook_ads/stg_facebook_ads__campaigns.sql`,
    names: ['stg_facebook_ads__campaigns', 'campaigns'],
  },
  {
    query: 'union of google and facebook campaigns',
    file: `${DA}marts/marketing/dim_marketing__dim_campaigns.sql`,
    names: ['united_campaigns', 'dim_marketing__dim_campaigns'],
  },
  {
    query: 'split the query string of clickstream hits',
    file: `${DA}intermediate/marketing/attribution/int_marketing__int_attributions.sql`,
    names: ['split_query_string'],
  },
  { query: 'synthetic first name', file: `${DA}marts/common/dim_common__dim_customer.py`, names: ['syn_first_name'] },
  {
    query: 'app and web clickstream hits combined',
    file: `${DA}staging/adobe_experience/stg_adobe_experience__clickstream_hits.sql`,
    names: ['united_hits', 'conformed_hits', 'stg_adobe_experience__clickstream_hits'],
  },
  {
    query: 'map fruits with custom task names',
    file: `${AF}dags/toys/toy_custom_names_dynamic_tasks_taskflow.py`,
    names: ['map_fruits'],
  },
  {
    query: 'run a bash command from a taskflow task',
    file: `${AF}dags/toys/toy_taskflow_bash.py`,
    names: ['bash_task'],
  },
  // identifiers, exact and partial
  { query: 'start_spark', file: `${PY}dependencies/spark.py`, names: ['start_spark'] },
  { query: 'stg_orders', file: `${JS}staging/stg_orders.sql`, names: ['stg_orders'] },
  {
    query: 'MyBasicMathOperator',
    file: `${AF}include/toy_helpers/custom_operators.py`,
    names: ['MyBasicMathOperator', '__init__', 'execute'],
  },
  { query: 'deepGetSizeOf', file: `${AF}include/helpers.py`, names: ['deep_getsizeof'] },
  {
    query: 'individual party keys',
    file: `${DA}staging/reltio/stg_reltio__individual_party_keys.sql`,
    names: ['stg_reltio__individual_party_keys', 'individual_party_keys'],
  },
  {
    query: 'attribution last click n days',
    file: `${DA}../macros/model_templates/marketing/attribution_last_click_n_days_same_x.sql`.replace('models/../', ''),
    names: ['attribution_last_click_n_days_same_x', 'attributed', 'attribution'],
  },
];

/** The expected symbol must be in the top 5 for at least this share of queries. */
const FLOOR_TOP5 = 0.9;

let index: CodeIndex;
before(async () => {
  index = new CodeIndex({ root: CORPORA, log: { info() {}, warn() {}, error() {} } });
  await syncIndex(index, parseSettings({}).settings, { info() {}, warn() {}, error() {} }, { workers: 0 });
});

async function rankOf(q: Labelled, mode: 'hybrid' | 'lexical' | 'vector'): Promise<number> {
  const hits = await index.search(q.query, { k: 10, mode });
  const i = hits.findIndex((h) => h.file.endsWith(q.file) && q.names.includes(h.name));
  return i < 0 ? Infinity : i + 1;
}

test(`hybrid search: the labelled symbol is in the top 5 for ≥ ${FLOOR_TOP5 * 100}% of ${QUERIES.length} queries`, async () => {
  for (const q of QUERIES) assert.ok(index.file(q.file), `label points at a corpus file: ${q.file}`);
  const ranks = await Promise.all(QUERIES.map((q) => rankOf(q, 'hybrid')));
  const top5 = ranks.filter((r) => r <= 5).length / ranks.length;
  const mrr = ranks.reduce((s, r) => s + (Number.isFinite(r) ? 1 / r : 0), 0) / ranks.length;
  const table = QUERIES.map((q, i) => `${String(ranks[i]).padStart(8)}  ${q.query}`).join('\n');
  assert.ok(top5 >= FLOOR_TOP5, `top-5 ${top5.toFixed(3)} (MRR ${mrr.toFixed(3)}) below the floor:\n${table}`);
});

test('hybrid fusion loses nothing against either ranker alone (top-5 count)', async () => {
  const count = async (mode: 'hybrid' | 'lexical' | 'vector') =>
    (await Promise.all(QUERIES.map((q) => rankOf(q, mode)))).filter((r) => r <= 5).length;
  const [hybrid, lexical, vector] = [await count('hybrid'), await count('lexical'), await count('vector')];
  assert.ok(hybrid >= lexical && hybrid >= vector, `hybrid ${hybrid}, lexical ${lexical}, vector ${vector}`);
  // The built-in vectors alone still find most symbols (they are what runs when BM25 has no term in common).
  assert.ok(vector / QUERIES.length >= 0.6, `vector alone ${vector}/${QUERIES.length}`);
});
