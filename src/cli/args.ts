// The command line's flags: one table says which command takes which flag and what its value
// must be; every bad flag is a CliError naming the flag, what was expected and what came, in the
// same words as a spec field's error. (node:util's parseArgs reads `--steps -5` as two flags.)
import { SPEC_LIMITS } from '../engine/spec';

/** A mistake in how the command was called or in a file it names: one line (and a --help hint when `usage`). */
export class CliError extends Error {
  override name = 'CliError';
  constructor(message: string, readonly usage = true) {
    super(message);
  }
}

type Kind = { type: 'boolean' } | { type: 'path' } | { type: 'int'; min: number; max: number };
const FLAGS = {
  config: { type: 'path' },
  weights: { type: 'path' },
  batch: { type: 'path' },
  out: { type: 'path' },
  metrics: { type: 'path' },
  steps: { type: 'int', min: 0, max: SPEC_LIMITS.maxSteps },
  seed: { type: 'int', min: 0, max: 2 ** 32 - 1 },
  quiet: { type: 'boolean' },
  profile: { type: 'boolean' },
} satisfies Record<string, Kind>;
export type Flag = keyof typeof FLAGS;

/** The flags each command takes. */
export const COMMAND_FLAGS: Record<string, readonly Flag[]> = {
  info: [],
  train: ['config', 'steps', 'seed', 'out', 'quiet', 'profile'],
  gradients: ['config', 'weights', 'batch', 'out'],
  export: ['config', 'weights', 'out', 'steps', 'seed'],
  diagnose: ['metrics', 'config'],
  schema: [],
};

/** Commands whose one path may come without its flag (`gradscope diagnose RUN/metrics.jsonl`). */
const COMMAND_PATH: Record<string, 'metrics'> = { diagnose: 'metrics' };

export interface Args {
  command: string | undefined;
  help: boolean;
  paths: Partial<Record<'config' | 'weights' | 'batch' | 'out' | 'metrics', string>>;
  ints: Partial<Record<'steps' | 'seed', number>>;
  flags: Partial<Record<'quiet' | 'profile', boolean>>;
}

const shown = (v: string) => JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);

export function parseCommandLine(argv: string[]): Args {
  const args: Args = { command: undefined, help: false, paths: {}, ints: {}, flags: {} };
  const rest = [...argv];
  if (rest.length && !rest[0].startsWith('-')) args.command = rest.shift();
  if (args.command !== undefined && !(args.command in COMMAND_FLAGS)) throw new CliError(`unknown command ${shown(args.command)} (commands: ${Object.keys(COMMAND_FLAGS).join(', ')})`);
  const allowed = args.command ? COMMAND_FLAGS[args.command] : [];
  const seen = new Set<string>();
  while (rest.length) {
    const token = rest.shift()!;
    if (token === '--help' || token === '-h') { args.help = true; continue; }
    const positional = args.command !== undefined ? COMMAND_PATH[args.command] : undefined;
    if (positional && !token.startsWith('-') && args.paths[positional] === undefined) {
      args.paths[positional] = token;
      continue;
    }
    if (!token.startsWith('--') || token === '--') throw new CliError(`unexpected argument ${shown(token)} (flags start with --)`);
    const eq = token.indexOf('=');
    const name = token.slice(2, eq < 0 ? undefined : eq);
    if (!(name in FLAGS)) throw new CliError(`unknown flag --${name.length > 40 ? `${name.slice(0, 40)}…` : name}`);
    const flag = name as Flag;
    if (!allowed.includes(flag)) throw new CliError(`--${flag} is not a flag of ${args.command ? `"${args.command}"` : 'gradscope without a command'}${allowed.length ? ` (its flags: ${allowed.map((f) => `--${f}`).join(', ')})` : ''}`);
    if (seen.has(flag)) throw new CliError(`--${flag} given twice`);
    seen.add(flag);
    const kind: Kind = FLAGS[flag];
    if (kind.type === 'boolean') {
      if (eq >= 0) throw new CliError(`--${flag}: expected no value (it is a switch), got ${shown(token.slice(eq + 1))}`);
      args.flags[flag as 'quiet' | 'profile'] = true;
      continue;
    }
    // The next token is the value whatever it looks like: `--steps -5` is a bad number, not a flag.
    const value = eq >= 0 ? token.slice(eq + 1) : rest.shift();
    if (value === undefined) throw new CliError(`--${flag}: expected ${kind.type === 'int' ? 'a number' : 'a path'} after it, got nothing`);
    if (kind.type === 'path') {
      if (value === '' || value.includes('\0')) throw new CliError(`--${flag}: expected a path, got ${shown(value)}`);
      args.paths[flag as keyof Args['paths']] = value;
    } else {
      const n = /^[0-9]+$/.test(value) ? Number(value) : NaN;
      if (!Number.isSafeInteger(n) || n < kind.min || n > kind.max) throw new CliError(`--${flag}: expected an integer in [${kind.min}, ${kind.max}], got ${shown(value)}`);
      args.ints[flag as keyof Args['ints']] = n;
    }
  }
  return args;
}

/** The value of a flag the command cannot run without. */
export function required(args: Args, flag: keyof Args['paths']): string {
  const v = args.paths[flag];
  if (v === undefined) throw new CliError(`--${flag} is required for "${args.command}"`);
  return v;
}
