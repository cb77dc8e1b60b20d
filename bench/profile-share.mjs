// The share of a V8 .cpuprofile's busy time spent in some of our code: a sample counts when its
// innermost script frame comes from a file the pattern matches. Built-ins without a script (JSON,
// RegExp, Array methods) count for the script frame that called them, so JSON.stringify in the
// ledger's encoder is the ledger's; script code it calls in other files (a wrapped iterator's
// source) is not. Garbage collection has no stack and is reported apart. Used by
// `npm run bench:ab` (AB_PROFILE_B) to measure a feature in place.
import { readFileSync } from 'node:fs';

/**
 * @param {string} file      a .cpuprofile
 * @param {RegExp} pattern   matched against each frame's script URL
 * @returns {{ busyUs: number, shareOfBusy: number, gcShareOfBusy: number }}
 */
export function profileShare(file, pattern) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  // A node with a script is "in" when its script matches; one without inherits its caller's.
  const inside = new Map();
  const root = profile.nodes[0];
  const stack = [[root.id, false]];
  while (stack.length > 0) {
    const [id, inherited] = stack.pop();
    const node = byId.get(id);
    const url = node.callFrame.url ?? '';
    const here = url === '' ? inherited : pattern.test(url);
    inside.set(id, here);
    for (const child of node.children ?? []) stack.push([child, here]);
  }
  let busy = 0;
  let matched = 0;
  let gc = 0;
  for (let index = 0; index < profile.samples.length; index++) {
    const node = byId.get(profile.samples[index]);
    const us = profile.timeDeltas[index] ?? 0;
    const name = node.callFrame.functionName;
    if (name === '(idle)') continue;
    busy += us;
    if (name === '(garbage collector)') gc += us;
    else if (inside.get(node.id)) matched += us;
  }
  return { busyUs: busy, shareOfBusy: busy > 0 ? matched / busy : 0, gcShareOfBusy: busy > 0 ? gc / busy : 0 };
}
