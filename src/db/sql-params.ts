import type { SqlParam } from './db.js';

/**
 * Turns `$n` parameters into what both drivers send identically: arrays become Postgres array
 * literals, plain objects JSON text, dates ISO-8601 (UTC) strings; buffers and scalars pass through.
 */
export function toDriverParams(params: readonly SqlParam[] | undefined): unknown[] {
  return (params ?? []).map(toDriverParam);
}

function toDriverParam(value: SqlParam): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return arrayLiteral(value);
  return JSON.stringify(value);
}

function arrayLiteral(values: readonly unknown[]): string {
  return `{${values.map(arrayElement).join(',')}}`;
}

function arrayElement(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (Array.isArray(value)) return arrayLiteral(value);
  let text: string;
  if (value instanceof Date) text = value.toISOString();
  else if (value instanceof Uint8Array) text = `\\x${Buffer.from(value).toString('hex')}`;
  else if (typeof value === 'object') text = JSON.stringify(value);
  else text = String(value);
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
