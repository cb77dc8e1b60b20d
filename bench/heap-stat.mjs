// A preload for any gateway under a bench: `node --import ./bench/heap-stat.mjs …` writes to stderr,
// every 2 s, the process' RSS and V8's heap (used, total, new/old/code/large-object spaces, MB) and
// the young-generation collections (scavenges) since the last line with their time,
// and after each full collection the live heap it left. The live heap after a full GC is what V8
// sizes the next heap limit from, so a step in it shows as a step in peak RSS under load.
// With `HEAP_STAT_GC=1` and node's `--expose-gc`, each 2 s line follows a forced full collection,
// so it shows the live heap (e.g. per held stream) rather than live plus garbage; a diagnosis
// mode, it changes the process' GC timing.
import { constants, PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';

const started = Date.now();
const mb = (bytes) => (bytes / 1048576).toFixed(0);
const seconds = () => ((Date.now() - started) / 1000).toFixed(1);

const forceGc = process.env.HEAP_STAT_GC === '1' && typeof globalThis.gc === 'function' ? globalThis.gc : undefined;

let scavenges = 0;
let scavengeMs = 0;

setInterval(() => {
  forceGc?.();
  const memory = process.memoryUsage();
  const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((space) => [space.space_name.replace('_space', ''), mb(space.space_size)]));
  process.stderr.write(
    `HEAP t=${seconds()} rss=${mb(memory.rss)} heapTotal=${mb(memory.heapTotal)} heapUsed=${mb(memory.heapUsed)} arrayBuffers=${mb(memory.arrayBuffers)} ` +
      `new=${spaces.new} old=${spaces.old} code=${spaces.code} lo=${spaces.large_object} scavenges=${scavenges} scavengeMs=${scavengeMs.toFixed(0)}\n`,
  );
  scavenges = 0;
  scavengeMs = 0;
}, 2000).unref();

new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) {
      scavenges += 1;
      scavengeMs += entry.duration;
      continue;
    }
    if (entry.detail?.kind !== constants.NODE_PERFORMANCE_GC_MAJOR) continue;
    const memory = process.memoryUsage();
    process.stderr.write(`HEAP full-gc t=${seconds()} ms=${entry.duration.toFixed(1)} live=${mb(memory.heapUsed)} heapTotal=${mb(memory.heapTotal)}\n`);
  }
}).observe({ entryTypes: ['gc'] });
