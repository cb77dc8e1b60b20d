/**
 * The id of a `tool_use` block as the client gets it: the vendor's, else `toolu_<random>` (Anthropic's
 * style, and within the pattern it requires of the id sent back). Some compatible servers leave the
 * id out, or send `null` or `""`; without one the call's result could not be paired with it. Whole
 * answers and streams make it alike.
 */
export function toolUseId(id: unknown, randomId: () => string): string {
  return typeof id === 'string' && id !== '' ? id : `toolu_${randomId()}`;
}
