// Loader hooks of module-watch.mjs (they run on Node's loader thread): one line per module loaded.
import { appendFileSync } from 'node:fs';

let file;

export function initialize(data) {
  file = data.file;
}

export async function load(url, context, nextLoad) {
  appendFileSync(file, `esm ${url}\n`);
  return nextLoad(url, context);
}
