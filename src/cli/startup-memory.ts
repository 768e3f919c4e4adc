// Once a node has started, a memory-reducing collection gives back what startup left: V8's
// young generation grows to its maximum while the modules load (both semi-spaces of
// --max-semi-space-size stay resident, src/node/runtime-flags.ts) and nothing shrinks it
// on an idle node, since V8 only does so in a collection made to reduce memory. The
// "last-resort" collection is that one: the young generation back to its minimum and the
// old generation compacted, 8 MiB less RSS at idle for one pause of about 0.1 s before
// the first client (bench/results/2026-12-03-idle-startup-gc.md). Under load the young
// generation grows again as it did before, and the peak stays lower: S6's peak RSS
// 158 -> 98 MiB (-ab-slow-startup-gc.md). Fan-out CPU per message is unchanged
// (-ab-fanout-startup-gc.md); single HTTP publishes per CPU-second were 0.86x of before in a
// mean of 6 rounds, 0.94x in their median, batches 1.00x (-ab-api-startup-gc.md): a cost at
// the edge of this machine's noise.
//
// The collector is reached as Node's own test suite reaches it: --expose-gc turned on at
// run time installs `gc` in contexts created after it, one new context hands it over, and
// the flag is turned off again so no later context (a library's vm use) sees it.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type GcWithOptions = (options: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

/**
 * Runs the memory-reducing collection; returns how long it paused the process in ms, or
 * undefined when this node binary hands out no collector (nothing is lost but the memory).
 */
export function releaseStartupMemory(): number | undefined {
  setFlagsFromString('--expose-gc');
  let gc: GcWithOptions;
  try {
    gc = runInNewContext('gc') as GcWithOptions;
  } catch {
    return undefined;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
  const started = performance.now();
  gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  return performance.now() - started;
}
