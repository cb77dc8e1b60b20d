import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as api from '../../src/index.js';

// package.json "exports" exposes only "." (dist/index.js): whatever a documented library option
// needs must come from src/index.ts. docs/tracing.md tells library users to build the observer with
// `loadTracing()` / `tracingSettings()` and pass `createSwitchboard({ observers: [tracing.observer] })`;
// SwitchboardOptions.keyring takes a Keyring that only `loadKeyring` builds.
test('what the documented library options need is importable from the package entry', () => {
  const names = Object.keys(api);
  for (const name of ['loadTracing', 'tracingSettings', 'loadKeyring']) assert.ok(names.includes(name), `'${name}' is not exported by src/index.ts (exports: ${names.join(', ')})`);
});
