// A preload for any gateway under a bench: `node --import ./bench/promoted-prof.mjs …` samples the
// allocations that outlive young-generation collections (promoted to the old space, or still live)
// and writes, at the end of the window, the call sites that allocated the most of them:
//
//   PROMOTED_PROF_OUT=/tmp/promoted-{pid}.txt   where to write (required; {pid}: the process id)
//   PROMOTED_PROF_START_MS=5000           when the window opens (after start-up)
//   PROMOTED_PROF_MS=30000                how long it lasts
//
// V8's sampling heap profiler is told to keep objects collected by full GCs and to drop those a
// scavenge collected, so what it reports is the old space's intake: the garbage that grows the heap
// between full collections, and by whom. Objects still in the young generation when the window
// closes would count too (up to a semi-space of them), so two scavenges run first. Each line: MB
// sampled, then the innermost three frames.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const out = process.env.PROMOTED_PROF_OUT?.replace('{pid}', String(process.pid));
const startMs = Number(process.env.PROMOTED_PROF_START_MS ?? 5000);
const windowMs = Number(process.env.PROMOTED_PROF_MS ?? 30000);
const TOP = 40;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');

const session = new Session();
session.connect();
const post = (method, params) => new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));

const frame = ({ functionName, url, lineNumber }) => `${functionName || '(anonymous)'} ${url.replace(/.*\/(dist|node_modules)\//, '$1/')}:${lineNumber + 1}`;

/** Bytes sampled per site (its innermost three frames), largest first. */
function sites(profile) {
  const bytes = new Map();
  let total = 0;
  const walk = (node, stack) => {
    const frames = [frame(node.callFrame), ...stack].slice(0, 3);
    if (node.selfSize > 0) {
      const key = frames.join(' < ');
      bytes.set(key, (bytes.get(key) ?? 0) + node.selfSize);
      total += node.selfSize;
    }
    for (const child of node.children) walk(child, frames);
  };
  walk(profile.head, []);
  return { total, rows: [...bytes].sort((a, b) => b[1] - a[1]).slice(0, TOP) };
}

if (out) {
  setTimeout(async () => {
    await post('HeapProfiler.enable');
    await post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: false });
    setTimeout(async () => {
      gc({ type: 'minor' });
      gc({ type: 'minor' });
      const { profile } = await post('HeapProfiler.stopSampling');
      const { total, rows } = sites(profile);
      const lines = rows.map(([site, size]) => `${(size / 1e6).toFixed(2).padStart(7)} MB ${site}`);
      writeFileSync(out, `${(total / 1e6).toFixed(1)} MB sampled in ${windowMs / 1000} s\n${lines.join('\n')}\n`);
    }, windowMs).unref();
  }, startMs).unref();
}
