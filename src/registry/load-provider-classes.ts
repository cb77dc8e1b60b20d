import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { errorMessage } from '../errors.js';
import { builtinProviderClasses } from '../providers/builtin.js';
import type { ProviderClass } from '../providers/provider-class.js';

const moduleExtensions = new Set(['.js', '.mjs', '.ts', '.mts']);

/**
 * The classes `provider_class` may name: the built-in set plus every ProviderClass exported by a
 * file directly inside `providersDir` (the seed's "Method 2: with code"). Only files in that one
 * configured folder are imported; a database value is only ever a key into this map. A built-in
 * name cannot be shadowed.
 */
export async function loadProviderClasses(
  providersDir: string | undefined,
  warn: (message: string) => void = () => {},
): Promise<Map<string, ProviderClass>> {
  const classes = new Map(builtinProviderClasses);
  if (!providersDir) return classes;
  const directory = path.resolve(providersDir);
  let files: string[];
  try {
    files = (await readdir(directory)).filter((file) => moduleExtensions.has(path.extname(file)) && !file.endsWith('.d.ts')).sort();
  } catch (error) {
    warn(`providers directory ${directory} cannot be read: ${errorMessage(error)}`);
    return classes;
  }
  for (const file of files) {
    let exports: Record<string, unknown>;
    try {
      exports = (await import(pathToFileURL(path.join(directory, file)).href)) as Record<string, unknown>;
    } catch (error) {
      warn(`provider module ${file} failed to load: ${errorMessage(error)}`);
      continue;
    }
    for (const value of Object.values(exports)) {
      if (!isProviderClass(value)) continue;
      if (builtinProviderClasses.has(value.className)) {
        warn(`provider module ${file} exports '${value.className}', which is a built-in class name; ignored`);
        continue;
      }
      classes.set(value.className, value);
    }
  }
  return classes;
}

function isProviderClass(value: unknown): value is ProviderClass {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<ProviderClass>;
  return typeof candidate.className === 'string' && typeof candidate.create === 'function' && typeof candidate.defaults === 'object';
}
