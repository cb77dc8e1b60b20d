// The columnar buffer of waiting ledger rows: whatever mix of pushes and shifts across its
// segments, the parameters of its oldest rows are those of the same rows in a fresh buffer, and a
// row's request id can be changed in place.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UsageBuffer } from './usage-buffer.js';
import { scalarEncodings, usageColumns, type UsageRowInsert } from './usage-columns.js';

function row(index: number): UsageRowInsert {
  return {
    requestId: `req-${index}`,
    attempt: 1 + (index % 3),
    startedAtMs: 1_780_000_000_000 + index,
    endedAtMs: 1_780_000_000_500 + index,
    projectId: index % 5 === 0 ? null : '11111111-1111-4111-8111-111111111111',
    apiKeyId: null,
    requestedModel: `model "${index}"`,
    modelId: null,
    modelName: 'm',
    providerId: null,
    providerName: 'p',
    vendorModelId: null,
    endpoint: 'chat',
    streamed: index % 2 === 0,
    status: 200,
    errorCode: index % 7 === 0 ? 'upstream_error' : null,
    incomplete: false,
    overheadMs: index / 8,
    upstreamMs: index % 4 === 0 ? null : index * 1.5,
    ttftMs: null,
    inputTokens: index,
    cachedInputTokens: 0,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    outputTokens: 2 * index,
    reasoningTokens: 0,
    webSearchCalls: index % 5 === 0 ? 2 : 0,
    usageSource: 'provider',
    rawUsage: index % 6 === 0 ? null : { prompt_tokens: index, note: 'a,"b"' },
    priceId: String(index),
    providerPriceId: null,
    costUsd: `0.${String(index).padStart(12, '0')}`,
    routeName: null,
    routeVersion: index % 2 === 0 ? null : index,
    arm: null,
    servedArm: null,
    fallback: index % 3 === 0,
  };
}

function fresh(rows: readonly UsageRowInsert[]): (string | null)[] {
  const buffer = new UsageBuffer();
  for (const each of rows) buffer.push(each);
  return buffer.params(rows.length);
}

/** The distinct values of a `dict` column: after the columns and the times' base, in column order. */
const dicts = usageColumns.filter(([, , encoding]) => encoding === 'dict').map(([name]) => name);
function dictionary(params: readonly (string | null)[], column: string): string | null | undefined {
  return params[usageColumns.length + 1 + dicts.indexOf(column)];
}

/** The scalar of a column that may travel as one: after the dictionaries, in column order. */
function scalar(params: readonly (string | null)[], column: string): string | null | undefined {
  const scalars = usageColumns.filter(([, , encoding]) => scalarEncodings.has(encoding)).map(([name]) => name);
  assert.ok(scalars.includes(column), column);
  return params[usageColumns.length + 1 + dicts.length + scalars.indexOf(column)];
}

const column = (name: string): number => usageColumns.findIndex(([each]) => each === name);

describe('usage buffer', () => {
  test('pushes and shifts across segments keep the oldest rows in order', () => {
    const buffer = new UsageBuffer();
    const expected: UsageRowInsert[] = [];
    let next = 0;
    // Irregular pushes and shifts that cross segment ends and empty the buffer twice.
    for (const [push, shift] of [[700, 300], [10, 410], [300, 299], [1, 2], [600, 0], [0, 256], [513, 600]] as const) {
      for (let index = 0; index < push; index += 1) {
        const added = row(next++);
        buffer.push(added);
        expected.push(added);
      }
      assert.equal(buffer.length, expected.length);
      const take = Math.min(expected.length, 333);
      assert.deepEqual(buffer.params(take), fresh(expected.slice(0, take)));
      buffer.shift(shift);
      expected.splice(0, shift);
      assert.equal(buffer.length, expected.length);
    }
    assert.deepEqual(buffer.params(expected.length), fresh(expected));
  });

  test('parameters read as the rows hold them', () => {
    const params = fresh([row(0), row(1)]);
    assert.equal(params[0], '{"req-0","req-1"}');
    // Times travel as offsets from the first row's start (the parameter after the columns), durations in µs.
    assert.equal(params[2], '{0,1}');
    assert.equal(params[3], '{500,501}');
    assert.equal(params[usageColumns.length], '1780000000000');
    // A shared string travels once: each row sends its index into the column's distinct values.
    assert.equal(params[4], '{0,1}');
    assert.equal(dictionary(params, 'project_id'), '{"11111111-1111-4111-8111-111111111111"}');
    assert.equal(params[6], '{1,2}');
    assert.equal(dictionary(params, 'requested_model'), '{"model \\"0\\"","model \\"1\\""}');
    assert.equal(params[13], '{true,false}');
    assert.equal(params[17], '{0,125}');
    assert.equal(params[18], '{NULL,1500}');
    assert.equal(params[27], '[null,{"prompt_tokens":1,"note":"a,\\"b\\""}]');
  });

  test('a dict column sends each distinct value once, in order of first use', () => {
    const rows = [0, 1, 2, 3, 4, 5, 6, 7].map(row);
    const names = ['a', 'b', 'a', 'a', 'c', 'b', 'a', 'c'];
    rows.forEach((each, index) => (each.modelName = names[index] as string));
    const params = fresh(rows);
    assert.equal(params[8], '{1,2,1,1,3,2,1,3}');
    assert.equal(dictionary(params, 'model_name'), '{"a","b","c"}');
    // error_code: rows 0 and 7 failed, the rest are null.
    assert.equal(params[15], '{1,0,0,0,0,0,0,1}');
    assert.equal(dictionary(params, 'error_code'), '{"upstream_error"}');
    // api_key_id is null in every row: no indexes, no values (index 1 of nothing is null).
    assert.equal(params[column('api_key_id')], '{}');
    assert.equal(dictionary(params, 'api_key_id'), '{}');
    // endpoint is 'chat' in every row: no indexes, the one value.
    assert.equal(params[column('endpoint')], '{}');
    assert.equal(dictionary(params, 'endpoint'), '{"chat"}');
  });

  test('a column with the same value in every row travels once, as its scalar', () => {
    const rows = [0, 1, 2, 3].map(row);
    const params = fresh(rows);
    // status 200, incomplete false, zero buckets, ttft null in every row.
    for (const [name, value] of [['status', '200'], ['incomplete', 'false'], ['cached_input_tokens', '0'], ['ttft_ms', null], ['reasoning_tokens', '0']] as const) {
      assert.equal(params[column(name)], '{}', name);
      assert.equal(scalar(params, name), value, name);
    }
    // Columns that differ keep their arrays and a null scalar (coalesce then reads the array).
    assert.equal(params[column('attempt')], '{1,2,3,1}');
    assert.equal(scalar(params, 'attempt'), null);
    assert.equal(params[column('streamed')], '{true,false,true,false}');
    assert.equal(scalar(params, 'streamed'), null);
    assert.equal(params[column('cost_usd')], '{0.000000000000,0.000000000001,0.000000000002,0.000000000003}');
    // The same cost in every row is one decimal; a duration the same in every row, its µs.
    for (const each of rows) {
      each.costUsd = '0.000015600000';
      each.upstreamMs = 1.25;
    }
    const same = fresh(rows);
    assert.equal(same[column('cost_usd')], '{}');
    assert.equal(scalar(same, 'cost_usd'), '0.000015600000');
    assert.equal(same[column('upstream_ms')], '{}');
    assert.equal(scalar(same, 'upstream_ms'), '1250');
    // Times and ids always travel per row.
    assert.equal(same[column('request_id')], '{"req-0","req-1","req-2","req-3"}');
    assert.equal(same[column('started_at')], '{0,1,2,3}');
  });

  test('a row gets another request id in place; describe and row read it back', () => {
    const buffer = new UsageBuffer();
    for (let index = 0; index < 300; index += 1) buffer.push(row(index));
    buffer.shift(255);
    buffer.setRequestId(1, 'renamed');
    assert.deepEqual(buffer.describe(1), { requestId: 'renamed', attempt: 1 + (256 % 3) });
    assert.equal(buffer.params(3)[0], '{"req-255","renamed","req-257"}');
    assert.deepEqual(buffer.row(2), row(257));
    assert.deepEqual(buffer.row(1), { ...row(256), requestId: 'renamed' });
    buffer.clear();
    assert.equal(buffer.length, 0);
    assert.deepEqual(buffer.params(10)[0], '{}');
  });
});
