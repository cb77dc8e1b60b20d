/**
 * Handing over stream parts that are already decoded without a promise each. One upstream read
 * often completes several parts (a vendor writes its events back to back); through `next()` each
 * costs a resolved promise and an `await` turn in the writer. An iterator that holds decoded parts
 * (UpstreamParts, the service's replays) offers them through `takeReady`; a writer takes them
 * until it returns undefined, then awaits `next()` as usual.
 *
 * @module
 */
import type { StreamPart } from '../spec/index.js';

/** A parts iterator that can give up the part its next `next()` would resolve with, when it already holds it. */
export interface ReadyParts<Part = StreamPart> {
  /**
   * The next part if it is already here, taken as `next()` would take it (observers included);
   * undefined when `next()` must be called instead: nothing decoded yet, a `next()` pending, the
   * end, or a failure. Never throws.
   */
  takeReady(): Part | undefined;
  /**
   * Optional: asks for `wake` to be called once, from a tick (process.nextTick), when the next upstream read has
   * arrived (or the end, or a failure), so that a writer waits for a slow stream's next part
   * without a promise and its callbacks per part. Only right after `takeReady()` returned
   * undefined. False when the iterator cannot wait this way now (e.g. the end is already here):
   * the writer awaits `next()` as usual. After `wake`, `takeReady()` may still give nothing (half an
   * event arrived, or the end): the writer asks again, or awaits `next()` when refused.
   */
  whenReady?(wake: () => void): boolean;
}

/** The part `iterator` already holds for its next `next()`, or undefined (also for iterators without takeReady). */
export function takeReady<Part = StreamPart>(iterator: AsyncIterator<Part>): Part | undefined {
  const ready = (iterator as Partial<ReadyParts<Part>>).takeReady;
  return typeof ready === 'function' ? ready.call(iterator) : undefined;
}

/** Registers `wake` through `iterator`'s whenReady; false when it has none or refuses (await `next()` then). */
export function whenReady<Part = StreamPart>(iterator: AsyncIterator<Part>, wake: () => void): boolean {
  const when = (iterator as Partial<ReadyParts<Part>>).whenReady;
  return typeof when === 'function' ? when.call(iterator, wake) : false;
}
