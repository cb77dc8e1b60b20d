/**
 * A Prometheus label value, escaped as the text format requires (backslash, double quote, line
 * feed). Label values from database rows or vendors go through it: an unescaped quote or newline
 * would let a row's name forge metric lines.
 *
 * @module
 */
export function escapeLabel(value: string): string {
  return value.replace(/[\\"\n]/g, (char) => (char === '\n' ? '\\n' : `\\${char}`));
}
