/** What the lineage lens says above real code (../shared/corpora): dbt models count what lies beyond them; Airflow tasks lead with their operator and the tasks around them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { scanLineage } from '../../bench/lineageScore';
import { lensTitle, tasksAround } from '../../server/src/engine/lineage/lens';
import { requireCorpora } from '../helpers';

test('a dbt model: reads, writes, and the models downstream of it (its own relation is not one of them)', async () => {
  const root = path.join(requireCorpora(), 'dbt', 'jaffle-shop');
  const g = (await scanLineage(root)).graph();
  const title = (rel: string) => lensTitle(g, g.processesIn(path.join(root, rel))[0]!);
  // orders, order_items and customers read stg_orders (customers through orders).
  assert.equal(title('models/staging/stg_orders.sql'), 'reads 1 · writes 1 · 3 downstream');
  assert.equal(title('models/marts/customers.sql'), 'reads 2 · writes 1 · 0 downstream');
});

test('an Airflow task: its operator, the tasks right before and after it, and tables only where it moves some', async () => {
  const root = path.join(requireCorpora(), 'airflow', 'astronomer-2-9-example-dags');
  const g = (await scanLineage(root)).graph();
  const tasks = g.processesIn(path.join(root, 'dags/data-engineering-use-case/prepare_earnings_report.py'));
  const byTask = new Map(tasks.map((t) => [t.symbol.split('.').pop()!, t]));
  assert.equal(lensTitle(g, byTask.get('get_key_metrics')!), '@task · 1 upstream task · 1 downstream task');
  assert.equal(
    lensTitle(g, byTask.get('get_total_earnings')!),
    'SnowflakeOperator · 1 upstream task · 1 downstream task · reads 1 · writes 0 · 0 downstream',
  );
  assert.equal(
    lensTitle(g, byTask.get('tear_down_internal_reporting_platform')!),
    '@task · 1 upstream task · 0 downstream tasks',
  );
  const around = tasksAround(g, byTask.get('get_total_earnings')!);
  assert.deepEqual(
    around.upstream.map((t) => t.symbol),
    ['prepare_earnings_report.get_key_metrics'],
  );
  assert.deepEqual(
    around.downstream.map((t) => t.symbol),
    ['prepare_earnings_report.send_mails_internal_platform'],
  );
});
