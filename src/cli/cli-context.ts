import type { Config } from '../config.js';

/** What every command receives: parsed global options and the process streams. */
export interface CliContext {
  config: Config;
  /** `--json`: print one JSON document on stdout. */
  json: boolean;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
}

/** A subcommand: `run` returns the exit code (serve resolves when the server stops). */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(args: string[], context: CliContext): Promise<number>;
}

/**
 * Control characters (C0 but tab and newline, DEL, C1) and bidirectional overrides, which a
 * terminal would act on: row text (a model id, a display name) written by whoever can write rows
 * could otherwise erase lines, retitle the window or set the clipboard (OSC 52), or reorder what
 * the operator reads.
 */
// eslint-disable-next-line no-control-regex -- matching them is the point
const TERMINAL_CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** `text` with each terminal control as a visible `\uXXXX` (also a valid JSON string escape). */
export function terminalSafe(text: string): string {
  return text.replace(TERMINAL_CONTROLS, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Writes a line to stdout (terminal controls made visible). */
export function print(context: CliContext, text: string): void {
  context.stdout.write(`${terminalSafe(text)}\n`);
}

/** Prints `value` as JSON on stdout (JSON escapes C0 itself; DEL, C1 and bidi controls escaped too). */
export function printJson(context: CliContext, value: unknown): void {
  context.stdout.write(`${terminalSafe(JSON.stringify(value, null, 2))}\n`);
}
