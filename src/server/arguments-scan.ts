/**
 * Whether a tool call's streamed arguments close one JSON object, followed delta by delta in
 * constant memory (a stream's arguments are not kept). A vendor that ends a tool turn with the
 * arguments cut off (`{"paths":["/tmp/build","/"`) must not become a runnable call: on /v1/messages
 * the Anthropic SDK's partial-JSON parser completes such input into other arguments
 * (`{paths: ["/tmp/build", "/"]}`) and its tool runner runs them; on /v1/responses the call is a
 * `completed` `function_call` an agent loop runs. Both surfaces answer such a turn with
 * brokenToolArguments. This checks the structure only (brackets and strings); a bad token inside a
 * closed object is left to the client's parser, which throws on it.
 *
 * @module
 */
import { ProviderError } from '../errors.js';
import { clip } from './field-checks.js';

const OPEN = 0;
const INSIDE = 1;
const CLOSED = 2;
const BROKEN = 3;

export class ArgumentsScan {
  #state = OPEN;
  #depth = 0;
  #inString = false;
  #escaped = false;

  /** Follows the next piece of the arguments. */
  push(text: string): void {
    for (let index = 0; index < text.length && this.#state !== BROKEN; index++) this.#char(text.charCodeAt(index));
  }

  /**
   * The arguments so far make one complete JSON object; no arguments at all count as `{}` (a call
   * of a tool without parameters, as the whole answer reads them).
   */
  get complete(): boolean {
    return this.#state === CLOSED || this.#state === OPEN;
  }

  #char(code: number): void {
    const state = this.#state;
    if (state === OPEN || state === CLOSED) {
      if (code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d) return;
      // Anything but an object, or anything after the object's end: not one JSON object.
      if (state === CLOSED || code !== 0x7b) this.#state = BROKEN;
      else {
        this.#state = INSIDE;
        this.#depth = 1;
      }
      return;
    }
    if (this.#inString) {
      if (this.#escaped) this.#escaped = false;
      else if (code === 0x5c) this.#escaped = true;
      else if (code === 0x22) this.#inString = false;
      return;
    }
    if (code === 0x22) this.#inString = true;
    else if (code === 0x7b || code === 0x5b) this.#depth += 1;
    else if (code === 0x7d || code === 0x5d) {
      this.#depth -= 1;
      if (this.#depth === 0) this.#state = CLOSED;
    }
  }
}

/** Whether `text`, whole, is one JSON object (or nothing at all), as ArgumentsScan judges it. */
export function isOneJsonObject(text: string): boolean {
  const scan = new ArgumentsScan();
  scan.push(text);
  return scan.complete;
}

/**
 * The provider's error for a turn that stopped to call tools while a call's arguments are cut off
 * or not one JSON object (`turn`: how the surface calls such a turn, e.g. `a tool_use turn`).
 */
export function brokenToolArguments(provider: string, name: string, turn: string): ProviderError {
  return new ProviderError(
    'provider_error',
    `Provider '${provider}' ended ${turn} with the arguments of its call of '${clip(name)}' cut off or not a complete JSON object`,
    { provider, status: 502 },
  );
}
