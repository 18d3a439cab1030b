// Runs the real command line (node bin/gradscope.mjs) as a child process and reports how it ended.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** Killed at the time limit. */
  timedOut: boolean;
}

/** Dawn's two notes about lavapipe's dynamic-offset limits and the adapter line are not the CLI's output. */
export const ownLines = (r: CliRun) =>
  `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.trim() && !/^Warning: maxDynamic/.test(l) && !/^gradscope: adapter /.test(l));

/** `cwd`: where the command runs (relative output paths land there); the repository by default. */
export function runCli(args: string[], { timeoutMs = 120_000, env = {} as Record<string, string>, nodeArgs = [] as string[], cwd = process.cwd() } = {}): Promise<CliRun> {
  const t0 = Date.now();
  const child = spawn('node', [...nodeArgs, resolve('bin/gradscope.mjs'), ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
  return new Promise((resolve) => child.on('close', (code, signal) => {
    clearTimeout(timer);
    resolve({ code, signal, stdout, stderr, ms: Date.now() - t0, timedOut });
  }));
}
