// Loaded into a gateway by `bench/alloc.mjs` (node --import). Three SIGUSR2s: the first starts a
// GC profiler; the second stops it and starts V8's sampling heap profiler, keeping the objects
// minor and major GCs collect (so it counts every byte allocated, garbage included, not only what
// is still alive); the third stops that and writes both to ALLOC_HOOK_OUT/<pid>.json. Two windows,
// because the sampler's weak handles slow every GC. Bench-only: nothing in src/ loads it. The
// config child that `bench-serve` runs (`--materialize`) is left alone.
import inspector from 'node:inspector';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { GCProfiler } from 'node:v8';

const out = process.env.ALLOC_HOOK_OUT;
if (out && !process.argv.includes('--materialize')) {
  const session = new inspector.Session();
  session.connect();
  session.post('HeapProfiler.enable');
  let signals = 0;
  let gc;
  let gcs;
  process.on('SIGUSR2', () => {
    signals += 1;
    if (signals === 1) {
      gc = new GCProfiler();
      gc.start();
    } else if (signals === 2) {
      gcs = gc.stop();
      session.post('HeapProfiler.startSampling', {
        samplingInterval: 1024,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
    } else if (signals === 3) {
      session.post('HeapProfiler.stopSampling', (error, result) => {
        const file = path.join(out, `${process.pid}.json`);
        writeFileSync(file, JSON.stringify(error ? { error: String(error) } : { profile: result.profile, gcs }));
      });
    }
  });
}
