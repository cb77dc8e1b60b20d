/**
 * Ledger rows for the report tests, inserted with plain SQL into `ai_usage` (the rollup trigger
 * fills `ai_usage_hourly`), and the same rows kept in memory so tests compute what a report must
 * say with exact integer arithmetic (costs as pico-USD BigInt).
 *
 * @module
 */
import type { Queryable } from '../../src/db/db.js';

export interface SeedProject {
  id: string;
  name: string;
  keys: { id: string; prefix: string }[];
}

/** One inserted ledger row, as the test knows it. */
export interface LedgerRow {
  requestId: string;
  startedAt: Date;
  durationMs: number;
  ttftMs: number | null;
  projectId: string;
  apiKeyId: string;
  model: string;
  provider: string;
  route: string | null;
  arm: string | null;
  status: number;
  tokens: [number, number, number, number, number, number];
  /** pico-USD, or null for an unpriced row. */
  costPico: bigint | null;
}

export const MODELS = [
  ['rep-gpt', 'rep-openai'],
  ['rep-claude', 'rep-anthropic'],
  ['rep-gemini', 'rep-google'],
] as const;

/** A small deterministic PRNG (mulberry32), so a failure reproduces. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Creates projects (each with two API keys) with plain SQL. */
export async function seedProjects(db: Queryable, names: readonly string[]): Promise<SeedProject[]> {
  const projects: SeedProject[] = [];
  for (const name of names) {
    const project = await db.query<{ id: string }>(`insert into public.projects (name) values ($1) returning id`, [name]);
    const id = project.rows[0]?.id as string;
    const keys: { id: string; prefix: string }[] = [];
    for (let index = 0; index < 2; index++) {
      const prefix = `${name.replace(/[^a-z0-9]/g, '').slice(0, 8)}${index}xyz`.slice(0, 12).padEnd(12, 'q');
      const key = await db.query<{ id: string }>(
        `insert into public.api_keys (project_id, name, prefix, key_hash) values ($1, $2, $3, $4) returning id`,
        [id, `key${index}`, prefix, `${index}${name}`.padEnd(64, '0').slice(0, 64)],
      );
      keys.push({ id: key.rows[0]?.id as string, prefix });
    }
    projects.push({ id, name, keys });
  }
  return projects;
}

/** `count` random rows spread over the `hours` hours before `end`, across projects, keys and models. */
export function makeRows(projects: readonly SeedProject[], count: number, end: Date, hours: number, seed = 7): LedgerRow[] {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const rows: LedgerRow[] = [];
  for (let index = 0; index < count; index++) {
    const project = pick(projects);
    const [model, provider] = pick(MODELS);
    const status = pick([200, 200, 200, 200, 200, 200, 429, 500, 499]);
    // Whole ms + 0.3 ms: never on a bucket bound (bounds are 2^(k/4) ms).
    const durationMs = Math.floor(Math.exp(next() * 9)) + 0.3;
    const priced = next() > 0.1;
    rows.push({
      requestId: `rep-${seed}-${index}`,
      startedAt: new Date(end.getTime() - Math.floor(next() * hours * 3_600_000) - 60_000),
      durationMs,
      ttftMs: next() > 0.3 ? Math.floor(next() * Math.min(durationMs, 2000)) + 0.5 : null,
      projectId: project.id,
      apiKeyId: pick(project.keys).id,
      model,
      provider,
      route: pick(['chat-main', 'chat-cheap', null]),
      arm: pick(['a', 'b', null]),
      status,
      tokens: [0, 0, 0, 0, 0, 0].map(() => Math.floor(next() * 5000)) as LedgerRow['tokens'],
      // Up to 0.5 USD with all 12 decimals used.
      costPico: priced ? BigInt(Math.floor(next() * 5e8)) * 1000n + BigInt(Math.floor(next() * 1000)) : null,
    });
  }
  return rows;
}

/** Inserts the rows in a few multi-row statements (as the batched writer does). */
export async function insertRows(db: Queryable, rows: readonly LedgerRow[]): Promise<void> {
  for (let start = 0; start < rows.length; start += 50) {
    const batch = rows.slice(start, start + 50);
    const values: string[] = [];
    const params: (string | number | null)[] = [];
    for (const row of batch) {
      const base = params.length;
      const endedAt = new Date(row.startedAt.getTime());
      params.push(
        row.requestId, row.startedAt.toISOString(), endedAt.toISOString(), row.durationMs, row.projectId, row.apiKeyId, row.model, row.provider,
        row.route, row.arm, row.status, row.ttftMs, ...row.tokens, row.costPico === null ? null : picoToDecimal(row.costPico),
      );
      const p = (offset: number): string => `$${base + offset}`;
      values.push(
        `(${p(1)}, ${p(2)}::timestamptz, ${p(3)}::timestamptz + make_interval(secs => ${p(4)}::float8 / 1000), ${p(5)}::uuid, ${p(6)}::uuid, ${p(7)}, ${p(7)}, ${p(8)},
          'chat', false, ${p(11)}, ${p(9)}, ${p(10)}, ${p(12)}::real, ${p(13)}, ${p(14)}, ${p(15)}, ${p(16)}, ${p(17)}, ${p(18)}, 'provider', ${p(19)}::numeric)`,
      );
    }
    await db.query(
      `insert into public.ai_usage (request_id, started_at, ended_at, project_id, api_key_id, requested_model, model_name, provider_name,
         endpoint, streamed, status, route_name, arm, ttft_ms, input_tokens, cached_input_tokens, cache_write_5m_tokens,
         cache_write_1h_tokens, output_tokens, reasoning_tokens, usage_source, cost_usd)
       values ${values.join(', ')}`,
      params,
    );
  }
}

/** pico-USD as a 12-decimal USD string. */
export function picoToDecimal(pico: bigint): string {
  return `${pico / 10n ** 12n}.${(pico % 10n ** 12n).toString().padStart(12, '0')}`;
}

/** What a report row must say about `rows`. */
export interface Expected {
  requests: number;
  errors: number;
  tokens: number[];
  cost: string;
  unpriced: number;
  durations: number[];
  ttfts: number[];
}

/** Sums `rows` exactly. */
export function expect(rows: readonly LedgerRow[]): Expected {
  const tokens = [0, 0, 0, 0, 0, 0];
  let cost = 0n;
  for (const row of rows) {
    row.tokens.forEach((count, index) => (tokens[index] = (tokens[index] ?? 0) + count));
    cost += row.costPico ?? 0n;
  }
  return {
    requests: rows.length,
    errors: rows.filter((row) => row.status >= 400).length,
    tokens,
    cost: picoToDecimal(cost),
    unpriced: rows.filter((row) => row.costPico === null).length,
    durations: rows.map((row) => row.durationMs),
    ttfts: rows.flatMap((row) => (row.ttftMs === null ? [] : [row.ttftMs])),
  };
}

/** Start of the UTC hour containing `time`. */
export function hourOf(time: Date): Date {
  return new Date(Math.floor(time.getTime() / 3_600_000) * 3_600_000);
}

/** The nearest-rank percentile of `values`, and the value a histogram report must show for it. */
export function percentile(values: readonly number[], quantile: number): { exact: number; reported: number } | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const exact = sorted[Math.max(1, Math.ceil(quantile * sorted.length)) - 1] as number;
  const bucket = exact <= 1 ? 0 : Math.min(80, Math.ceil(4 * Math.log2(exact)));
  const bound = 2 ** (Math.min(bucket, 79) / 4);
  return { exact, reported: Math.ceil(bound * 10 - 1e-9) / 10 };
}
