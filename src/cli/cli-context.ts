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
 * Control characters (C0 but tab and newline, DEL, C1), Unicode's line and paragraph separators
 * and its bidirectional controls (the overrides, embeddings and isolates, and the marks LRM, RLM
 * and ALM), which a terminal would act on: row text (a model id, a display name) written by
 * whoever can write rows could otherwise erase lines, retitle the window or set the clipboard
 * (OSC 52), break a line, or reorder what the operator reads.
 */
// eslint-disable-next-line no-control-regex -- matching them is the point
const TERMINAL_CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;
/** The same, with tab and newline too: a one-line value (a name, an id, an error) holds neither. */
// eslint-disable-next-line no-control-regex -- matching them is the point
const LINE_CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

const visible = (char: string): string => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** `text` with each terminal control as a visible `\uXXXX` (also a valid JSON string escape). */
export function terminalSafe(text: string): string {
  return text.replace(TERMINAL_CONTROLS, visible);
}

/** A one-line value with every control, tab and newline included, as a visible `\uXXXX`. */
export function inline(value: unknown): string {
  return String(value).replace(LINE_CONTROLS, visible);
}

/**
 * A template tag for output: the literal text as written (its own line breaks included), every
 * interpolated value made one line (`inline`), so a value from a row, the ledger or a client cannot
 * start a line of its own that reads like the command's output.
 */
export function line(strings: TemplateStringsArray, ...values: unknown[]): string {
  return strings.reduce((text, part, index) => text + inline(values[index - 1]) + part);
}

/** Writes a line to stdout (terminal controls made visible). */
export function print(context: CliContext, text: string): void {
  context.stdout.write(`${terminalSafe(text)}\n`);
}

/** Prints `value` as JSON on stdout (JSON escapes C0 itself; DEL, C1, separators and bidi controls escaped too). */
export function printJson(context: CliContext, value: unknown): void {
  context.stdout.write(`${terminalSafe(JSON.stringify(value, null, 2))}\n`);
}

/** Writes `warning: <message>` on stderr, the message made one line. */
export function warn(context: Pick<CliContext, 'stderr'>, message: string): void {
  context.stderr.write(`warning: ${inline(message)}\n`);
}
