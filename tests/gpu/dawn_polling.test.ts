// Pacing of Dawn's busy poll (src/gpu/dawn_polling.ts), against a stand-in for the binding: a
// bound function (its source reads "[native code]", as the binding's does) that reschedules
// itself through globalThis.setImmediate until its wait is over.
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { paceDawnPolling } from '../../src/gpu/dawn_polling';

const SPIN = 20;
beforeAll(() => paceDawnPolling(SPIN));

/** Polls like the binding for `ms`; resolves with the time of each poll. */
function bindingWait(ms: number): Promise<number[]> {
  return new Promise((resolve) => {
    const start = performance.now();
    const times: number[] = [];
    const poll = function (this: null) {
      const now = performance.now();
      times.push(now - start);
      if (now - start < ms) setImmediate(poll);
      else resolve(times);
    }.bind(null);
    setImmediate(poll);
  });
}

describe('paced Dawn polling', () => {
  it('polls at once for the first SPIN_MS of a wait, then about once per millisecond', async () => {
    const times = await bindingWait(SPIN + 60);
    const early = times.filter((t) => t < SPIN - 2).length;
    const late = times.filter((t) => t >= SPIN + 2);
    expect(early).toBeGreaterThan(100); // setImmediate runs thousands of times in 18 ms
    expect(late.length).toBeGreaterThan(5);
    // A timer tick each: about one per ms over the last 58 ms (not every gap: a timer set from a
    // late timer callback may run in the same turn of the event loop).
    expect(late.length).toBeLessThan(80);
  });

  it('starts each wait polling at once again', async () => {
    await bindingWait(SPIN + 10);
    const second = await bindingWait(SPIN / 2);
    expect(second.length).toBeGreaterThan(100);
  });

  it('leaves other callbacks, their arguments and util.promisify(setImmediate) alone', async () => {
    const start = performance.now();
    let n = 0;
    await new Promise<void>((resolve) => {
      const again = (k: number) => (n++, k > 0 ? setImmediate(again, k - 1) : resolve());
      setImmediate(again, 2000);
    });
    expect(n).toBe(2001);
    expect(performance.now() - start).toBeLessThan(2000); // not one timer tick each
    expect(await promisify(setImmediate)('value')).toBe('value');
  });
});
