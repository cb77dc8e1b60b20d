/**
 * Which stop sequences a vendor takes. A stop the vendor refuses is not sent (it would fail the
 * call); `Provider.unsentStops` names those, and the service cuts the answer at them itself
 * (service/stop-cut.ts), so the client's answer still ends where it asked.
 *
 * @module
 */

/** A vendor's rule: how many stops it takes, and which ones (absent: any string). */
export interface StopRule {
  readonly max: number;
  readonly takes?: (stop: string) => boolean;
}

/** The stops sent to the vendor: those it takes, the first `max` of them. */
export function sentStops(stops: readonly string[], rule: StopRule): string[] {
  const taken = rule.takes === undefined ? stops : stops.filter(rule.takes);
  return taken.length > rule.max ? taken.slice(0, rule.max) : (taken as string[]);
}

/** The stops not sent to the vendor (undefined: all are sent). */
export function unsentStops(stops: readonly string[], rule: StopRule): string[] | undefined {
  const sent = sentStops(stops, rule);
  if (sent.length === stops.length) return undefined;
  const unsent = stops.filter((stop) => stop !== '' && !sent.includes(stop));
  return unsent.length > 0 ? unsent : undefined;
}
