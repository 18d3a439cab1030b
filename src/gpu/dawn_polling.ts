// Dawn's Node binding waits for GPU promises (mapAsync, onSubmittedWorkDone) by rescheduling
// globalThis.setImmediate from native code while any is pending: a busy loop on the main thread.
// On a software adapter that loop takes a core from the threads that run the kernels: on lavapipe
// (2 cores) the MLP 784-256×6-10 step took 64-72 ms polled at once and 46-52 ms paced, in one
// process. Pacing: a wait polls at once for its first SPIN_MS, so short waits keep their latency
// (the dispatch-bound tiny net's ~3 ms waits: 0.9 ms a step either way; paced from the start it
// took 1.5-1.9 ms), then once per timer tick (~1 ms). A poll the binding schedules from within a
// poll continues a wait; one scheduled from anywhere else starts a new one.
import { promisify } from 'node:util';

/** How long one wait polls without pausing (ms). */
export const SPIN_MS = 10;

/** The binding's poll: a native function (its source reads "[native code]"). */
const isBindingPoll = (fn: unknown): fn is (...args: unknown[]) => void =>
  typeof fn === 'function' && /\{\s*\[native code\]\s*\}\s*$/.test(Function.prototype.toString.call(fn));

let installed = false;

/** Replaces globalThis.setImmediate with one that paces the binding's polls (once per process). */
export function paceDawnPolling(spinMs = SPIN_MS): void {
  if (installed) return;
  installed = true;
  const immediate = globalThis.setImmediate;
  let inPoll = false;
  let waitStart = 0;
  const paced = (fn: unknown, ...args: unknown[]) => {
    if (!isBindingPoll(fn)) return immediate(fn as (...a: unknown[]) => void, ...args);
    const now = performance.now();
    if (!inPoll) waitStart = now;
    const poll = () => {
      inPoll = true;
      try {
        fn(...args);
      } finally {
        inPoll = false;
      }
    };
    return now - waitStart < spinMs ? immediate(poll) : setTimeout(poll, 0);
  };
  // util.promisify(setImmediate) keeps working: it reads this symbol.
  Object.defineProperty(paced, promisify.custom, { value: (immediate as unknown as Record<symbol, unknown>)[promisify.custom] });
  globalThis.setImmediate = paced as unknown as typeof setImmediate;
}
