/**
 * Just enough of npm's version ranges for `engines.node`: alternatives joined by `||`, each a list
 * of `>=`, `>`, `<`, `<=`, `^` or exact comparators. An unknown form throws rather than guesses.
 */
type Version = [number, number, number];

function parse(text: string): Version {
  const parts = text.trim().split('.').map(Number);
  if (parts.length === 0 || parts.length > 3 || parts.some((part) => !Number.isInteger(part))) throw new Error(`cannot read version ${text}`);
  return [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0];
}

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

function satisfies(version: Version, range: string): boolean {
  return range.split('||').some((alternative) =>
    alternative
      .trim()
      .replace(/([<>=^]+)\s+/g, '$1')
      .split(/\s+/)
      .every((comparator) => {
        const match = /^(>=|<=|>|<|\^|=)?(.+)$/.exec(comparator);
        if (!match) throw new Error(`cannot read range ${range}`);
        const bound = parse(match[2] as string);
        const order = compare(version, bound);
        switch (match[1]) {
          case '>=': return order >= 0;
          case '>': return order > 0;
          case '<=': return order <= 0;
          case '<': return order < 0;
          case '^': return order >= 0 && version[0] === bound[0];
          default: return order === 0;
        }
      }),
  );
}

/** The lowest version an `engines.node` of the form `>=X[.Y[.Z]]` admits. */
export function minimumNode(range: string): Version {
  const match = /^>=\s*(\d+(?:\.\d+){0,2})$/.exec(range.trim());
  if (!match) throw new Error(`engines.node ${range}: expected >=X.Y.Z`);
  return parse(match[1] as string);
}

/** The names whose range `version` falls outside of, with that range. */
export function satisfiesAll(version: Version, ranges: Record<string, string>): string[] {
  return Object.entries(ranges)
    .filter(([, range]) => !satisfies(version, range))
    .map(([name, range]) => `${name} wants ${range}, engines admits ${version.join('.')}`);
}
