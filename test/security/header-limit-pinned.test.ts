// The gateway's limit on a request head is its own 16 KiB, whatever Node was started with: an
// operator's `--max-http-header-size=65536` (or NODE_OPTIONS) made Node accept a 20 KB head while the
// gateway's 431 message still named 16 KiB, and a larger head reached the handlers unchecked.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createServeDatabase, type ServeDatabase } from '../helpers/serve-database.js';
import { rawExchange } from '../helpers/raw-exchange.js';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.js';

describe('request head limit under a larger --max-http-header-size', () => {
  let database: ServeDatabase;
  let serve: ServeProcess;
  before(async () => {
    database = await createServeDatabase(async () => undefined);
    serve = await startServeProcess({ ...database.target, nodeArgs: ['--max-http-header-size=65536'] });
  });
  after(async () => {
    await serve?.stop().catch(() => undefined);
    await database?.dispose();
  });

  it('a 20 KB head is still refused with 431 and the message naming 16 KiB', async () => {
    const port = Number(new URL(serve.url).port);
    const text = await rawExchange(port, `GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(20_000)}\r\n\r\n`, 3000);
    assert.match(text, /^HTTP\/1\.1 431 /, text.slice(0, 200));
    assert.match(text, /larger than the limit of 16 KiB/);
  });

  it('a head under 16 KiB is served', async () => {
    const port = Number(new URL(serve.url).port);
    const text = await rawExchange(port, `GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Pad: ${'a'.repeat(8_000)}\r\n\r\n`);
    assert.match(text, /^HTTP\/1\.1 200 /, text.slice(0, 200));
  });
});
