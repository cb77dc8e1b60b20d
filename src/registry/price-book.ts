/**
 * The price history in memory: every provider's and model's prices with the time each took
 * effect, loaded with the registry so a request's cost needs no query. A request uses the rows in
 * force when it started, so a price change (or a scheduled one) never touches earlier requests.
 *
 * @module
 */
import type { PriceHistoryRow } from '../db/sql/price-history.js';
import { parsePricing, type IntegerPrices } from './parse-prices.js';

/** One price history row, parsed. */
export interface PriceEntry {
  /** `ai_price_history.id`. */
  id: string;
  /** Epoch milliseconds. */
  effectiveFrom: number;
  prices: IntegerPrices;
  /** Why the row's pricing cannot be used (costs that depend on it are unknown). */
  invalid?: string;
}

/** A row whose pricing is unusable, as `PriceBook.unusable` reports it. */
export interface UnusablePrice {
  id: string;
  modelId: string | null;
  providerId: string | null;
  reason: string;
  /** It takes effect after the time asked about (else it is in force then). */
  scheduled: boolean;
}

export class PriceBook {
  readonly #byModel = new Map<string, PriceEntry[]>();
  readonly #byProvider = new Map<string, PriceEntry[]>();
  readonly #unusable: { entry: PriceEntry; modelId: string | null; providerId: string | null }[] = [];

  /** `rows` in any order; `warn` hears of rows whose pricing is unusable. */
  constructor(rows: readonly PriceHistoryRow[], warn?: (message: string) => void) {
    for (const row of rows) {
      const parsed = parsePricing(row.pricing);
      const entry: PriceEntry = { id: row.id, effectiveFrom: row.effectiveFrom.getTime(), ...parsed };
      if (parsed.invalid) {
        warn?.(`price history row ${row.id} is unusable (costs using it are unknown): ${parsed.invalid}`);
        this.#unusable.push({ entry, modelId: row.modelId, providerId: row.providerId });
      }
      const [map, key] = row.modelId ? [this.#byModel, row.modelId] : [this.#byProvider, row.providerId ?? ''];
      const list = map.get(key) ?? [];
      list.push(entry);
      map.set(key, list);
    }
    for (const list of [...this.#byModel.values(), ...this.#byProvider.values()]) {
      list.sort((a, b) => a.effectiveFrom - b.effectiveFrom || Number(BigInt(a.id) - BigInt(b.id)));
    }
  }

  /** The model's price row in force at `time` (epoch ms), if any. */
  modelPrice(modelId: string, time: number): PriceEntry | undefined {
    return inForce(this.#byModel.get(modelId), time);
  }

  /** The provider's price row in force at `time` (epoch ms), if any. */
  providerPrice(providerId: string, time: number): PriceEntry | undefined {
    return inForce(this.#byProvider.get(providerId), time);
  }

  /**
   * The rows with unusable pricing that matter at `time` (epoch ms): in force then, or scheduled
   * after it. One a later row replaced is history (the table is append-only: it cannot be fixed).
   */
  unusable(time: number): UnusablePrice[] {
    const found: UnusablePrice[] = [];
    for (const { entry, modelId, providerId } of this.#unusable) {
      const scheduled = entry.effectiveFrom > time;
      const current = modelId ? this.modelPrice(modelId, time) : this.providerPrice(providerId ?? '', time);
      if (!scheduled && current !== entry) continue;
      found.push({ id: entry.id, modelId, providerId, reason: entry.invalid ?? 'unusable', scheduled });
    }
    return found;
  }
}

/** The last entry that took effect at or before `time` (lists are short: scan from the end). */
function inForce(list: readonly PriceEntry[] | undefined, time: number): PriceEntry | undefined {
  if (!list) return undefined;
  for (let index = list.length - 1; index >= 0; index -= 1) {
    const entry = list[index] as PriceEntry;
    if (entry.effectiveFrom <= time) return entry;
  }
  return undefined;
}
