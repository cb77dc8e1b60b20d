/**
 * Real text of several kinds for the token-estimate accuracy tests, read from packages whose
 * versions package-lock.json pins: the tests' bounds then hold on text that does not change when
 * this repository's docs or sources do (a sample's error depends on the text it is drawn from).
 *
 * @module
 */
import { readFileSync } from 'node:fs';

/** A file of an installed package (the version package-lock.json pins). */
function read(name: string, path: string): string {
  return readFileSync(new URL(`../../node_modules/${name}/${path}`, import.meta.url), 'utf8');
}

/** English prose with lists, links and code names: two SDKs' changelogs (~300 K characters). */
export function pinnedProse(): string {
  return read('openai', 'CHANGELOG.md') + '\n' + read('@anthropic-ai/sdk', 'CHANGELOG.md');
}

/** TypeScript declarations with doc comments (the first 600 K characters of the DOM's types). */
export function pinnedCode(): string {
  return read('typescript', 'lib/lib.dom.d.ts').slice(0, 600_000);
}

/** JSON holding a language's messages: 'ja', 'ko', 'zh-cn', 'ru' or 'de' (TypeScript's diagnostics). */
export function pinnedMessages(language: 'ja' | 'ko' | 'zh-cn' | 'ru' | 'de'): string {
  return read('typescript', `lib/${language}/diagnosticMessages.generated.json`);
}
