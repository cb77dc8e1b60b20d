import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openFilesNotice, readOpenFilesLimit } from './open-files.js';

const limits = (soft: string, hard: string): string =>
  `Limit                     Soft Limit           Hard Limit           Units     \nMax open files            ${soft}                ${hard}                files     \n`;

describe('open-files limit at start', () => {
  test('read from /proc/self/limits; unknown elsewhere or when unlimited', () => {
    assert.deepEqual(readOpenFilesLimit(() => limits('1024', '524288')), { soft: 1024, hard: 524288 });
    assert.equal(readOpenFilesLimit(() => limits('unlimited', 'unlimited')), undefined);
    assert.equal(
      readOpenFilesLimit(() => {
        throw new Error('ENOENT');
      }),
      undefined,
    );
  });

  test('a warning naming the fix when the limit is below two sockets per allowed connection', () => {
    const low = openFilesNotice({ soft: 1024, hard: 1024 }, 10_000);
    assert.equal(low.level, 'warn');
    assert.match(low.message, /^Open files limit 1024 \(hard 1024\): about 512 concurrent streams; .*ulimit -Hn.*SWITCHBOARD_UPSTREAM_MAX_CONNECTIONS/);
    assert.equal(openFilesNotice({ soft: 1_048_576, hard: 1_048_576 }, 10_000).level, 'info');
    assert.equal(openFilesNotice(undefined, 10_000).level, 'info');
  });
});
