/**
 * Cuts an answer at the first stop sequence the vendor was not sent (Provider.unsentStops), as
 * OpenAI does: the text before it is kept, the stop itself is not. A stream's text is held back
 * only while its end could be the start of a stop (at most the longest stop less one character),
 * so a stop split across two deltas is still caught.
 *
 * @module
 */
import type { ChatChoice, ChatResponse } from '../providers/spec/index.js';

/** Where the first of `stops` begins in `text`, or -1. */
export function firstStop(text: string, stops: readonly string[]): number {
  let first = -1;
  for (const stop of stops) {
    const at = text.indexOf(stop);
    if (at >= 0 && (first < 0 || at < first)) first = at;
  }
  return first;
}

/** `response` with each choice's text cut at its first stop (the choice then ends with `stop`). */
export function cutChatResponse(response: ChatResponse, stops: readonly string[]): ChatResponse {
  let choices: ChatChoice[] | undefined;
  response.choices.forEach((choice, index) => {
    const at = choice.content === null ? -1 : firstStop(choice.content, stops);
    if (at < 0 || choice.content === null) return;
    choices ??= response.choices.slice();
    // The vendor would have stopped there: nothing it wrote after (tool calls included) is the answer.
    choices[index] = { ...choice, content: choice.content.slice(0, at), toolCalls: [], finishReason: 'stop' };
  });
  return choices === undefined ? response : { ...response, choices };
}

/** A stream's text, delta by delta: what can go to the client now, and whether a stop was met. */
export class StopCutter {
  readonly #stops: readonly string[];
  readonly #longest: number;
  #held = '';

  constructor(stops: readonly string[]) {
    this.#stops = stops.filter((stop) => stop !== '');
    this.#longest = Math.max(0, ...this.#stops.map((stop) => stop.length));
  }

  /** The text of `delta` (after what was held) that can go now; `cut`: a stop was met, the answer ends there. */
  push(delta: string): { text: string; cut: boolean } {
    const text = this.#held === '' ? delta : this.#held + delta;
    const at = firstStop(text, this.#stops);
    if (at >= 0) {
      this.#held = '';
      return { text: text.slice(0, at), cut: true };
    }
    const keep = this.#partialStop(text);
    this.#held = keep === 0 ? '' : text.slice(text.length - keep);
    return { text: keep === 0 ? text : text.slice(0, text.length - keep), cut: false };
  }

  /** The text held back at the end of the answer's text (no stop followed). */
  flush(): string {
    const held = this.#held;
    this.#held = '';
    return held;
  }

  /** The length of the longest end of `text` that begins a stop (0: none). */
  #partialStop(text: string): number {
    for (let length = Math.min(this.#longest - 1, text.length); length > 0; length--) {
      const end = text.slice(text.length - length);
      if (this.#stops.some((stop) => stop.startsWith(end))) return length;
    }
    return 0;
  }
}
