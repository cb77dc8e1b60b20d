// A stream whose upstream connection breaks after text went out: the vendor bills the prompt and what
// it generated, so the attempt's row is estimated (input from the request, or what the vendor had
// already reported; output from the text delivered), priced, and charged against budgets like a cut
// stream, never recorded without usage. The connection is cut for real: each vendor is reached
// through a loopback TCP proxy whose sockets are destroyed mid-stream. The client's error is
// unchanged. PGlite, and Postgres with DATABASE_URL.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { countTokens as referenceCount } from 'gpt-tokenizer/encoding/o200k_base';
import type { ChatMessage, StreamPart } from '../../src/providers/spec/index.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { eventually, user } from '../library/library-harness.js';
import { expectedCostPico, ledgerRows, PRICES, pricingJson, rowBuckets, scaled, startLedgerStack, type LedgerRow, type LedgerStack } from './ledger-harness.js';

const PROMPT = 'tell me a long story about usage ledgers';
const messages: ChatMessage[] = [user(PROMPT)];
/** The mocks report (and bill) one input token per word of the messages. */
const REPORTED_INPUT = PROMPT.split(' ').length;
/** Text deltas the client reads before the connection is cut (the mock sends exactly these, then holds the stream). */
const DELIVERED = 3;

/**
 * A provider class of one's own (SWITCHBOARD_PROVIDERS_DIR): it streams an OpenAI-style chat
 * completion with global fetch and lets a broken body throw, as hand-written clients do.
 */
const streamLabModule = `
const wire = (messages) => messages.map((message) => ({ role: message.role, content: message.content.map((part) => part.text).join('') }));

export const StreamLabProvider = {
  className: 'StreamLabProvider',
  defaults: { features: { streaming: true, tools: false, vision: false, json_mode: false, embeddings: false } },
  create(settings) {
    const post = (request, options, stream) => fetch(settings.baseUrl + '/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer ' + (options.credential.apiKey ?? '') },
      body: JSON.stringify({ model: request.model, messages: wire(request.messages), ...(stream ? { stream: true } : {}) }),
      signal: options.signal,
    });
    return {
      specVersion: 'v1',
      name: settings.name,
      chat: () => Promise.reject(new Error('unused')),
      async *stream(request, options) {
        const response = await post(request, options, true);
        if (!response.ok) throw new Error('upstream ' + response.status);
        const decoder = new TextDecoder();
        let buffer = '';
        let started = false;
        for await (const bytes of response.body) {
          buffer += decoder.decode(bytes, { stream: true });
          for (let end = buffer.indexOf('\\n\\n'); end >= 0; end = buffer.indexOf('\\n\\n')) {
            const data = buffer.slice(0, end).replace(/^data: /, '');
            buffer = buffer.slice(end + 2);
            if (data === '[DONE]') return;
            const chunk = JSON.parse(data);
            if (!started) {
              started = true;
              yield { type: 'stream-start', id: chunk.id, model: chunk.model, created: chunk.created };
            }
            const text = chunk.choices[0]?.delta?.content;
            if (text) yield { type: 'text-delta', text };
            const reason = chunk.choices[0]?.finish_reason;
            if (reason) yield { type: 'finish', finishReason: reason, usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 } };
          }
        }
      },
    };
  },
};
`;

describe('a stream whose upstream breaks after text went out is charged its estimate', () => {
  let stack: LedgerStack;
  let dir: string;
  let openaiProxy: TcpProxy;
  let anthropicProxy: TcpProxy;
  let projectId: string;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sb-broken-'));
    await writeFile(path.join(dir, 'stream-lab.mjs'), streamLabModule);
    stack = await startLedgerStack({ providersDir: dir });
    const { db, mocks } = stack;
    openaiProxy = await startTcpProxy('127.0.0.1', Number(new URL(mocks.openai.baseUrl).port));
    anthropicProxy = await startTcpProxy('127.0.0.1', Number(new URL(mocks.anthropic.baseUrl).port));
    const via = (proxy: TcpProxy) => `http://127.0.0.1:${proxy.port}/v1`;
    await db.query(
      `insert into public.ai_providers (name, display_name, provider_class, api_base_url, required_env_vars) values
         ('brk-openai', 'OpenAI via a proxy', 'OpenAIProvider', $1, '["LIB_OPENAI_API_KEY"]'::jsonb),
         ('brk-anthropic', 'Anthropic via a proxy', 'AnthropicProvider', $2, '["LIB_ANTHROPIC_API_KEY"]'::jsonb),
         ('brk-lab', 'A class of our own via a proxy', 'StreamLabProvider', $1, '["LIB_OPENAI_API_KEY"]'::jsonb)`,
      [via(openaiProxy), via(anthropicProxy)],
    );
    await db.query(
      `insert into public.ai_models (name, display_name, provider_id, model_id, is_active, pricing)
       select m.name, m.name, p.id, m.model_id, true, $1::jsonb
         from (values ('brk-gpt', 'brk-openai', 'gpt-4o-mini'), ('brk-claude', 'brk-anthropic', 'claude-test-1'), ('brk-lab', 'brk-lab', 'gpt-4o-mini'))
              as m (name, provider, model_id)
         join public.ai_providers p on p.name = m.provider`,
      [JSON.stringify(pricingJson(PRICES))],
    );
    const project = await db.query<{ id: string }>(`insert into public.projects (name) values ('broken-streams') returning id`);
    projectId = project.rows[0]?.id ?? assert.fail('no project');
    await db.query(`insert into public.ai_budgets (name, project_id, limit_usd) values ('broken-budget', $1, 1000)`, [projectId]);
    await stack.switchboard.reload();
    await eventually(() => stack.switchboard.governor?.rules.all().length === 1, 'the budget rule');
  });
  after(async () => {
    await openaiProxy?.close();
    await anthropicProxy?.close();
    await stack?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /**
   * Streams `model` until DELIVERED text deltas arrived, then destroys the vendor's connection and
   * reads on: the parts the client got, and how the stream ended for it.
   */
  async function breakMidStream(model: string, proxy: TcpProxy, requestId: string): Promise<{ texts: string[]; parts: StreamPart[]; thrown: unknown }> {
    const parts: StreamPart[] = [];
    let thrown: unknown;
    try {
      for await (const part of stack.switchboard.stream({ model, messages }, { requestId, projectId })) {
        parts.push(part);
        if (part.type === 'text-delta' && parts.filter((seen) => seen.type === 'text-delta').length === DELIVERED) proxy.cut();
      }
    } catch (error) {
      thrown = error;
    } finally {
      proxy.restore();
    }
    const texts = parts.flatMap((part) => (part.type === 'text-delta' ? [part.text] : []));
    assert.equal(texts.length, DELIVERED, 'the client read the text the vendor sent before the cut');
    return { texts, parts, thrown };
  }

  async function rowOf(requestId: string): Promise<LedgerRow & { error_code: string | null }> {
    await stack.switchboard.service.usage?.flush();
    const [row, extra] = await ledgerRows(stack.db, `request_id = $1`, [requestId]);
    assert.ok(row && !extra, 'one row');
    const code = await stack.db.query<{ error_code: string | null }>(`select error_code from public.ai_usage where request_id = $1`, [requestId]);
    return { ...row, error_code: code.rows[0]?.error_code ?? null };
  }

  /** The row is an incomplete estimate with the delivered text as output, priced exactly. */
  function assertEstimated(row: LedgerRow, texts: readonly string[]): void {
    assert.deepEqual([row.usage_source, row.incomplete, row.streamed], ['estimated', true, true]);
    const output = texts.reduce((sum, text) => sum + referenceCount(text), 0);
    assert.ok(output > 0);
    assert.equal(row.output_tokens, String(output), 'output = the text delivered, counted');
    assert.ok(Number(row.input_tokens) > 0, 'the prompt is charged');
    const cost = scaled(row.cost_usd ?? assert.fail('unpriced'), 12);
    assert.equal(cost, expectedCostPico(rowBuckets(row), PRICES));
    assert.ok(cost > scaled(PRICES.per_request, 12), 'more than the per-request price: tokens are charged');
  }

  test("OpenAI chat: the read fails after 3 deltas; the client gets the error part, the row the estimate", async () => {
    stack.mocks.openai.hangNextStream({ afterChunks: DELIVERED });
    const { texts, parts, thrown } = await breakMidStream('brk-gpt', openaiProxy, 'broken-openai');
    const last = parts[parts.length - 1];
    assert.equal(thrown, undefined);
    assert.ok(last?.type === 'error', 'the stream ends with an error part');
    assert.deepEqual([last.error.status, last.error.code], [502, 'provider_unavailable']);
    const row = await rowOf('broken-openai');
    assert.deepEqual([row.status, row.error_code], [502, 'provider_unavailable']);
    assertEstimated(row, texts);
  });

  test("Anthropic (translated): what message_start reported is kept, the output is estimated", async () => {
    stack.mocks.anthropic.hangNextStream({ afterChunks: DELIVERED });
    const { texts, parts } = await breakMidStream('brk-claude', anthropicProxy, 'broken-anthropic');
    assert.equal(parts[parts.length - 1]?.type, 'error');
    const row = await rowOf('broken-anthropic');
    assert.deepEqual([row.status, row.error_code], [502, 'provider_unavailable']);
    assertEstimated(row, texts);
    // The vendor's own input count, not the tokenizer's guess at the prompt.
    assert.equal(row.input_tokens, String(REPORTED_INPUT));
  });

  test('a provider class of its own whose stream throws: the client gets the rejection, the row the estimate, the budget its cost', async () => {
    const spentBefore = budgetSpent();
    stack.mocks.openai.hangNextStream({ afterChunks: DELIVERED });
    const { texts, thrown } = await breakMidStream('brk-lab', openaiProxy, 'broken-lab');
    assert.ok(thrown instanceof Error, 'the broken body rejects');
    const row = await rowOf('broken-lab');
    assert.deepEqual([row.status, row.error_code, row.project_id], [500, 'internal_error', projectId]);
    assertEstimated(row, texts);
    // Governance settles with the row's cost, as for any estimate.
    await eventually(() => Math.abs(budgetSpent() - spentBefore - Number(row.cost_usd)) < 1e-9, 'the budget charged the estimate');
  });

  test('native passthrough (Anthropic on its own Messages API): the same failure was already estimated from message_start', async () => {
    stack.mocks.anthropic.hangNextStream({ afterChunks: DELIVERED });
    const { answer } = await stack.switchboard.service.native(
      { api: 'anthropic-messages', stream: true, body: { model: 'brk-claude', max_tokens: 64, messages: [{ role: 'user', content: PROMPT }], stream: true } },
      { requestId: 'broken-native', projectId },
    );
    assert.equal(answer.type, 'stream');
    const texts: string[] = [];
    let thrown: unknown;
    try {
      for await (const event of answer.type === 'stream' ? answer.events : []) {
        const delta = event.event === 'content_block_delta' ? (JSON.parse(event.data) as { delta: { text?: string } }).delta.text : undefined;
        if (delta !== undefined) texts.push(delta);
        if (texts.length === DELIVERED && delta !== undefined) anthropicProxy.cut();
      }
    } catch (error) {
      thrown = error;
    } finally {
      anthropicProxy.restore();
    }
    assert.ok(thrown !== undefined, 'the broken body rejects');
    assert.equal(texts.length, DELIVERED);
    const row = await rowOf('broken-native');
    assert.equal(row.status, 500);
    assertEstimated(row, texts);
    assert.equal(row.input_tokens, String(REPORTED_INPUT));
  });

  /** The budget's spend as this instance counts it (USD). */
  function budgetSpent(): number {
    const line = /switchboard_governance_spent\{kind="budget",name="broken-budget",metric="usd"\} ([\d.e-]+)/.exec(stack.switchboard.governor?.metricsText() ?? '');
    return line ? Number(line[1]) : 0;
  }
});
