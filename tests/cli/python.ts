// Python for the PyTorch export tests: a python3 with torch (Debian's python3-torch lives under
// /usr/bin/python3), a way to run it, and the two halves of a comparison: the same spec exported
// (train.py) and trained by gradscope itself (metrics.jsonl, model.safetensors).
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { exportRun } from '../../src/cli/export';
import { train } from '../../src/cli/train';
import type { Dataset } from '../../src/engine/data';
import { loadDataset } from '../../src/engine/dataset';
import { parseRunFile } from '../../src/engine/runfile';
import { parseSpec, type Spec } from '../../src/engine/spec';
import type { GpuContext } from '../../src/gpu/context';

function findPython(): string | null {
  for (const p of [process.env.GRADSCOPE_PYTHON, 'python3', '/usr/bin/python3']) {
    if (!p) continue;
    try {
      execFileSync(p, ['-c', 'import torch, numpy'], { stdio: 'ignore', timeout: 60_000 });
      return p;
    } catch { /* the next one */ }
  }
  return null;
}
export const python = findPython();
/** Added to a suite's name when it is skipped, so the skip says why. */
export const skipReason = python ? '' : ' (SKIPPED: no python3 with torch and numpy; scripts/setup-system.sh installs python3-torch)';
export const scratch = mkdtempSync(join(tmpdir(), 'gradscope-export-'));

/**
 * Runs python3 with `args` from another working directory; resolves to its stdout. Under
 * coreutils' timeout, whose TERM reaches torchrun's agent, which then ends its workers too.
 */
export const py = async (args: string[], { cwd = tmpdir(), seconds = 100, env = {} as Record<string, string> } = {}) =>
  (await promisify(execFile)('timeout', ['-k', '10', String(seconds), python!, ...args], { cwd, env: { ...process.env, OMP_NUM_THREADS: '1', ...env } })).stdout;
export const records = (file: string) => parseRunFile(readFileSync(file, 'utf8'));
export const rel = (a: number, b: number, floor = 1e-6) => Math.abs(a - b) / Math.max(Math.abs(a), floor);
export const REPO_PYTHON = join(process.cwd(), 'python');

/** Exports `json` to out/export and trains it with gradscope into out/gradscope. */
export async function exportAndTrain(ctx: GpuContext, json: object, out: string, config = 'run.json'): Promise<{ spec: Spec; data: Dataset }> {
  const spec = parseSpec(JSON.parse(JSON.stringify(json)));
  const data = await loadDataset(spec.data, spec.seed);
  exportRun(spec, data, { out: join(out, 'export'), config });
  mkdirSync(join(out, 'gradscope'), { recursive: true }); // the command line prepares --out before train()
  await train(ctx, spec, data, { out: join(out, 'gradscope'), quiet: true, profile: false });
  return { spec, data };
}
