/**
 * Parses tool-call arguments (JSON text) into an object for vendors that want objects (Anthropic
 * `input`, Gemini `args`). Empty text is `{}`; anything that is not a JSON object is wrapped so no
 * information is lost and the vendor still gets an object.
 */
export function parseJsonArguments(text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
    return { value };
  } catch {
    return { _raw: text };
  }
}
