// Runs training steps at the GPU's pace: the CPU records steps without waiting, but never more
// than `inFlight` steps ahead of the GPU (otherwise a slow GPU would queue unbounded work).
// Waiting happens between steps, never inside one: for the GPU, and before a step that logs, for a
// free readback slot, so that every diagnostics record asked for is delivered.
import type { GpuContext } from '../gpu/context';

/** What the loop drives: the single-network Trainer and the GAN trainer. */
export interface Steppable {
  readonly ctx: GpuContext;
  readonly step: number;
  readonly stopped: { step: number; where: string } | null;
  runStep(): void;
  readyToLog(): Promise<void>;
  flush(): Promise<void>;
}

/** Whether step t reads its diagnostics back: the first step and every log_every-th. */
export const logsStep = (t: number, logEvery: number): boolean => t === 1 || t % logEvery === 0;

/**
 * What a trainer's readyToLog waits for before step t: while profiling, a timestamp slot (every
 * step is timed); on a log step, a free diagnostics readback slot; otherwise nothing.
 */
export function readyForStep(t: number, logEvery: number, ring: { slotFree(): Promise<void> }, profiler: { readyToRecord(): Promise<void> } | null): Promise<void> {
  if (profiler) return profiler.readyToRecord();
  return logsStep(t, logEvery) ? ring.slotFree() : Promise.resolve();
}

/** Steps in flight before the loop waits for the GPU, unless LoopOptions.inFlight says otherwise. */
export const IN_FLIGHT = 8;

export interface LoopOptions {
  /** Steps allowed in flight before the CPU waits for the GPU (default 8). */
  inFlight?: number;
  /** Called after each recorded step; return false to stop early. */
  onStep?: (step: number) => boolean | void;
  signal?: AbortSignal;
}

export async function trainSteps(trainer: Steppable, steps: number, options: LoopOptions = {}): Promise<number> {
  const inFlight = options.inFlight ?? IN_FLIGHT;
  const queue = trainer.ctx.device.queue;
  let done = 0;
  let previous: Promise<unknown> = Promise.resolve();
  while (done < steps && !trainer.stopped && !options.signal?.aborted) {
    await trainer.readyToLog();
    if (trainer.stopped || options.signal?.aborted) break;
    trainer.runStep();
    done++;
    if (options.onStep?.(trainer.step) === false) break;
    if (done % inFlight === 0) {
      await previous; // the batch of steps before this one has finished on the GPU
      previous = queue.onSubmittedWorkDone();
    }
  }
  await queue.onSubmittedWorkDone();
  await trainer.flush();
  return done;
}
