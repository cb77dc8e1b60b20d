/**
 * The usage writer with the /metrics spend and token counters tapped in: every row the recorder
 * hands to the writer (priced, before it is buffered) is counted per project and model.
 *
 * @module
 */
import type { Queryable } from '../../db/db.js';
import type { UsageRowInsert } from '../../db/sql/usage.js';
import { UsageWriter, type UsageLog, type UsageWriterSettings } from '../usage-writer.js';
import { countUsageRow, type UsageCounters } from './usage-counters.js';

export class CountingUsageWriter extends UsageWriter {
  readonly #counters: UsageCounters;
  readonly #projectName: (projectId: string) => string | undefined;

  /** `projectName` labels a project id (e.g. from the API key index of the current snapshot). */
  constructor(
    db: Queryable,
    settings: Partial<UsageWriterSettings>,
    log: UsageLog,
    counters: UsageCounters,
    projectName: (projectId: string) => string | undefined,
  ) {
    super(db, settings, log);
    this.#counters = counters;
    this.#projectName = projectName;
  }

  override push(row: UsageRowInsert): void {
    countUsageRow(this.#counters, row, this.#projectName);
    super.push(row);
  }
}
