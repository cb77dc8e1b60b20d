// Times the database cannot hold are the caller's 400, not our 500. `since`/`until` take an ISO
// time or a duration back from now of up to six digits (`999999w` is 19,000 years back), and
// Postgres refuses instants before 4713 BC and a year 0 (`0000-01-01`): before, the history, the
// usage report, the request pages and a route's comparison sent such an instant to the database
// and answered 500 `database_error`. Impossible calendar dates (`2026-02-30`) were read as the
// days they overflow into (2 March) and answered as if asked for those; a `before` cursor holding
// one reached the database (500). PGlite, and Postgres with DATABASE_URL.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestDb, type TestDb } from '../helpers/test-db.js';
import { startDashboardServer, type DashboardServer, type ErrorBody } from './dashboard-harness.js';

const PATHS = ['/usage/requests', '/usage', '/history', '/usage/series', '/routes/ranged/comparison'];
const OUT_OF_RANGE = ['999999w', '999999d', '0000-01-01', '0000-12-31T23:59:59Z'];
const IMPOSSIBLE = ['2026-02-30', '2026-02-29T10:00:00Z', '2100-02-29', '2026-04-31T23:00:00+02:00', '2026-06-31 08:00'];

describe('admin API: times outside the database range', () => {
  let db: TestDb;
  let server: DashboardServer;

  before(async () => {
    db = await createTestDb();
    // A route's comparison reads the rollups under its name, whether the route exists or not.
    server = await startDashboardServer(db);
  });

  after(async () => {
    await server?.close();
    await db?.close();
  });

  for (const param of ['since', 'until'] as const) {
    for (const value of OUT_OF_RANGE) {
      test(`${param}=${value} is a 400 naming ${param} on every route that takes it`, async () => {
        for (const path of PATHS) {
          const answer = await server.get<ErrorBody>(`${path}?${param}=${encodeURIComponent(value)}`);
          assert.equal(answer.status, 400, `${path}?${param}=${value}: ${JSON.stringify(answer.body)}`);
          assert.equal(answer.body.error.code, 'invalid_request', path);
          assert.equal(answer.body.error.param, param, path);
          assert.match(answer.body.error.message, /years 1 to 9999/, path);
        }
      });
    }
  }

  for (const param of ['since', 'until'] as const) {
    test(`${param} on a day the calendar does not have is a 400 naming ${param} on every route that takes it`, async () => {
      for (const value of IMPOSSIBLE) {
        for (const path of PATHS) {
          const answer = await server.get<ErrorBody>(`${path}?${param}=${encodeURIComponent(value)}`);
          assert.equal(answer.status, 400, `${path}?${param}=${value}: ${JSON.stringify(answer.body)}`);
          assert.equal(answer.body.error.code, 'invalid_request', path);
          assert.equal(answer.body.error.param, param, path);
          assert.match(answer.body.error.message, new RegExp(`^${param} names a day the calendar does not have`), path);
        }
      }
    });
  }

  test("a before cursor holding an impossible instant is the cursor's 400, not the database's error", async () => {
    for (const instant of ['2026-02-30T10:00:00.000000Z', '2026-01-01T25:00:00.000000Z', '0000-01-01T00:00:00.000000Z']) {
      const cursor = Buffer.from(`${instant}.1`).toString('base64url');
      const answer = await server.get<ErrorBody>(`/usage/requests?before=${cursor}`);
      assert.equal(answer.status, 400, `${instant}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.error.param, 'before', JSON.stringify(answer.body));
    }
  });

  test('leap days and the edges of the range are accepted', async () => {
    for (const path of PATHS) {
      const answer = await server.get(`${path}?since=2028-02-29&until=2028-03-01T00:30:00%2B02:00`);
      assert.equal(answer.status, 200, `${path}: ${JSON.stringify(answer.body)}`);
    }
  });

  test('the edges of the range are accepted', async () => {
    for (const path of ['/usage/requests', '/usage', '/history']) {
      const answer = await server.get(`${path}?since=0001-01-01&until=9999-12-31T23:59:59Z`);
      assert.equal(answer.status, 200, `${path}: ${JSON.stringify(answer.body)}`);
    }
  });
});
