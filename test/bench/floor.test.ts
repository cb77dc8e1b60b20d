// The bench's reference floor (bench/floor.mjs) against the bench mock, both real processes on
// 127.0.0.1, and the floor summary's arithmetic (bench/floor-summary.mjs): the floor must pass
// answers through unchanged, or `npm run bench` would compare Switchboard with something else.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Starts `node <script> …args` and resolves with the first match of `pattern` on its stdout. */
function startScript(script: string, args: string[], pattern: RegExp): Promise<{ child: ChildProcessWithoutNullStreams; port: number }> {
  const child = spawn(process.execPath, [path.join(ROOT, script), ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const match = pattern.exec(output);
      if (match) resolve({ child, port: Number(match[1]) });
    });
    child.once('exit', (code) => reject(new Error(`${script} exited (${code}): ${output}`)));
  });
}

const exited = (child: ChildProcessWithoutNullStreams) =>
  child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

async function post(port: number, body: string, key = 'sk-bench') {
  const response = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body,
  });
  return { status: response.status, text: await response.text() };
}

const CHAT = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };

describe('bench/floor.mjs', () => {
  let mock: ChildProcessWithoutNullStreams;
  let mockPort: number;
  let floor: ChildProcessWithoutNullStreams;
  let floorPort: number;

  before(async () => {
    ({ child: mock, port: mockPort } = await startScript('bench/mock-upstream.mjs', ['--port=0', '--exit-with-stdin'], /"port":(\d+)/));
    ({ child: floor, port: floorPort } = await startScript('bench/floor.mjs', ['--port=0', `--upstream=http://127.0.0.1:${mockPort}/v1`], /on http:\/\/127\.0\.0\.1:(\d+)/));
  });
  after(async () => {
    floor.kill('SIGTERM');
    mock.stdin.end();
    await Promise.all([exited(floor), exited(mock)]);
  });

  it('passes a chat answer through as the upstream gives it', async () => {
    const direct = await post(mockPort, JSON.stringify(CHAT));
    const through = await post(floorPort, JSON.stringify(CHAT));
    assert.equal(through.status, 200);
    const strip = (text: string) => JSON.stringify({ ...JSON.parse(text), id: 'x', created: 0 });
    assert.equal(strip(through.text), strip(direct.text));
  });

  it('passes a stream through event by event, to data: [DONE]', async () => {
    const body = JSON.stringify({ ...CHAT, stream: true, stream_options: { include_usage: true } });
    const direct = await post(mockPort, body);
    const through = await post(floorPort, body);
    assert.equal(through.status, 200);
    const events = (text: string) => text.split('\n\n').filter(Boolean);
    const content = (text: string) =>
      events(text)
        .slice(0, -1)
        .map((event) => (JSON.parse(event.slice('data: '.length)) as { choices: { delta?: { content?: string } }[] }).choices[0]?.delta?.content ?? '')
        .join('');
    assert.equal(events(through.text).at(-1), 'data: [DONE]');
    assert.equal(events(through.text).length, events(direct.text).length);
    assert.equal(content(through.text), content(direct.text));
    assert.ok(content(through.text).length > 0);
  });

  it('refuses a wrong key and a body without a model, in the OpenAI error shape', async () => {
    const wrongKey = await post(floorPort, JSON.stringify(CHAT), 'sk-other');
    assert.equal(wrongKey.status, 401);
    assert.equal(typeof JSON.parse(wrongKey.text).error.message, 'string');
    assert.doesNotMatch(wrongKey.text, /sk-bench|sk-other/);
    const noModel = await post(floorPort, '{"messages":[]}');
    assert.equal(noModel.status, 400);
    assert.equal(JSON.parse(noModel.text).error.type, 'invalid_request_error');
  });

  it('answers 502 when the upstream is unreachable, and exits when its stdin closes', async () => {
    const { child, port } = await startScript('bench/floor.mjs', ['--port=0', `--upstream=http://127.0.0.1:1/v1`], /on http:\/\/127\.0\.0\.1:(\d+)/);
    const answer = await post(port, JSON.stringify(CHAT));
    assert.equal(answer.status, 502);
    child.stdin.end();
    assert.equal(await exited(child), 0);
  });
});

interface Cell {
  value: number;
  vs: number;
  met: boolean | null;
}
interface Figure {
  name: string;
  floor: number;
  bare: Cell;
  full: Cell;
}
interface Summary {
  benchTargets(targets?: string, full?: string): { switchboard: boolean; full: boolean; floor: boolean };
  floorFigures(rows: object[], heldRows: object[], peaks: Record<string, number>): Figure[];
}

describe('bench/floor-summary.mjs', () => {
  const load = async () => (await import(pathToFileURL(path.join(ROOT, 'bench/floor-summary.mjs')).href)) as Summary;

  it('chooses switchboard and floor by default, full on request, and rejects unknown targets', async () => {
    const { benchTargets } = await load();
    assert.deepEqual(benchTargets('', ''), { switchboard: true, full: false, floor: true });
    assert.deepEqual(benchTargets('floor', '1'), { switchboard: false, full: true, floor: true });
    assert.throws(() => benchTargets('portkey', ''), /unknown target portkey/);
    assert.throws(() => benchTargets('', 'yes'), /BENCH_FULL/);
  });

  it('computes ratios and differences to the floor and judges them by the issue 14 goals', async () => {
    const { floorFigures } = await load();
    const row = (mode: string, loadName: string, target: string, cpu: number, p50 = 0) => ({ mode, load: loadName, target, cpuPerRequestUs: cpu, total: { p50 } });
    const rows = [
      row('chat', 'c=1', 'direct', Number.NaN, 0.1),
      row('chat', 'c=1', 'gateway', 200, 0.34),
      row('chat', 'c=1', 'full', 250, 0.5),
      row('chat', 'c=1', 'floor', 150, 0.3),
      row('chat', 'c=50', 'gateway', 50),
      row('chat', 'c=50', 'full', 80),
      row('chat', 'c=50', 'floor', 40),
    ];
    const held = [{ load: 'N=10', target: 'gateway', errors: 0, kbPerStream: 30, ttfb: { p99: 5 } }, { load: 'N=10', target: 'floor', errors: 0, kbPerStream: 10, ttfb: { p99: 5 } }];
    const figures = floorFigures(rows, held, { gateway: 130, full: 140, floor: 112 });
    const byName = (start: string) => figures.find((figure) => figure.name.startsWith(start))!;

    const cpu = byName('gateway CPU µs per non-streaming');
    assert.match(cpu.name, /chat c=50/);
    assert.equal(cpu.bare.vs, 1.25);
    assert.equal(cpu.bare.met, true);
    assert.equal(cpu.full.vs, 2);
    assert.equal(cpu.full.met, false);
    const added = byName('added p50');
    assert.ok(Math.abs(added.bare.vs - 0.04) < 1e-9); // (0.34 − 0.1) − (0.3 − 0.1)
    assert.equal(added.bare.met, true);
    assert.equal(added.full.met, false);
    const rss = byName('peak RSS');
    assert.equal(rss.bare.vs, 18);
    assert.equal(rss.full.met, false);
    assert.equal(byName('gateway CPU µs per streamed').bare.met, null); // no stream rows: unknown, not met
    assert.equal(byName('held N=10: RSS KB').bare.vs, 3);
    assert.equal(byName('held N=10: RSS KB').bare.met, false);
    assert.equal(byName('held N=10: errors').bare.met, true);
  });
});
