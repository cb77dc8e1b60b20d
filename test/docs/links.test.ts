// Every link into a heading of the README or docs/ points at a heading that exists, with the
// anchor GitHub gives it (github-slugger's rule: lowercase, punctuation dropped — en dashes and
// colons included — spaces to hyphens, a repeated heading numbered).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const files = ['README.md', ...readdirSync(path.join(root, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];

/** GitHub's anchor for a heading's text (code spans and link targets are not part of it). */
function headingAnchor(heading: string): string {
  return heading
    .replace(/`/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of a Markdown file's headings (outside code fences). */
function anchorsOf(text: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6} (.*)$/.exec(line);
    if (!heading) continue;
    const base = headingAnchor((heading[1] as string).trim());
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

describe('documentation links', () => {
  test('the anchor rule matches GitHub on dashes, colons and code', () => {
    assert.equal(headingAnchor('One pull iterator per OpenAI stream (2026-12-04, 06:20–06:55 UTC)'), 'one-pull-iterator-per-openai-stream-2026-12-04-06200655-utc');
    assert.equal(headingAnchor("The ledger's own cost (`bench/ledger-micro.mjs`)"), 'the-ledgers-own-cost-benchledger-micromjs');
  });

  test('every link to a heading in the README and docs/ finds it', () => {
    const anchors = new Map(files.map((file) => [file, anchorsOf(readFileSync(path.join(root, file), 'utf8'))]));
    const broken: string[] = [];
    for (const file of files) {
      for (const match of readFileSync(path.join(root, file), 'utf8').matchAll(/\]\(([^)\s#]*)#([^)\s]+)\)/g)) {
        const [, target = '', anchor = ''] = match;
        if (/^[a-z]+:/.test(target)) continue; // another site
        const resolved = target === '' ? file : path.normalize(path.join(path.dirname(file), target));
        const known = anchors.get(resolved);
        if (known === undefined) {
          if (!existsSync(path.join(root, resolved))) broken.push(`${file}: ${target} does not exist`);
        } else if (!known.has(anchor)) {
          broken.push(`${file}: ${target}#${anchor}`);
        }
      }
    }
    assert.deepEqual(broken, []);
  });

  test('every relative link and image in the README and docs/ names a file that exists', () => {
    const missing: string[] = [];
    for (const file of files) {
      for (const [, target = ''] of readFileSync(path.join(root, file), 'utf8').matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(target)) continue; // another site
        if (!existsSync(path.join(root, path.dirname(file), target))) missing.push(`${file}: ${target}`);
      }
    }
    assert.deepEqual(missing, []);
  });
});
