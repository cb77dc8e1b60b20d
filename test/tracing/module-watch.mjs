// Preload for `serve` processes in tests (`node --import ./module-watch.mjs …`): records every
// module the process loads in the file named by MODULE_WATCH_FILE, so a test can prove what was
// never imported. ES modules are written as they load (a loader hook); CommonJS files (how the
// OpenTelemetry packages load) are written from the require cache when the process exits.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const file = process.env.MODULE_WATCH_FILE;
if (file) {
  register('./module-watch-hooks.mjs', import.meta.url, { data: { file } });
  const require = createRequire(import.meta.url);
  process.on('exit', () => {
    appendFileSync(file, Object.keys(require.cache).map((path) => `cjs ${path}\n`).join(''));
  });
}
