// The command line's files: reading an input and preparing an output each fail with one line that
// names the flag and the file, before any GPU work starts, and never leave a half-written output.
import { mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CliError } from './args';

/** Inputs are read whole: refuse anything larger before reading it. */
export const MAX_INPUT_BYTES = 1 << 30;

const reason = (e: unknown) => {
  const code = (e as NodeJS.ErrnoException).code;
  const words: Record<string, string> = { ENOENT: 'no such file or folder', EACCES: 'permission denied', EISDIR: 'is a folder', ENOTDIR: 'a part of the path is not a folder', EROFS: 'read-only file system', ENOSPC: 'no space left', EPERM: 'not permitted', EEXIST: 'a file (not a folder) has that name' };
  return (code && words[code]) ?? (e as Error).message;
};

export function readInput(flag: string, path: string): Uint8Array {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw Object.assign(new Error(), { code: 'EISDIR' });
    size = st.size;
  } catch (e) {
    throw new CliError(`--${flag} ${path}: ${reason(e)}`, false);
  }
  if (size > MAX_INPUT_BYTES) throw new CliError(`--${flag} ${path}: ${size} bytes, more than the ${MAX_INPUT_BYTES} an input may have`, false);
  try {
    return readFileSync(path);
  } catch (e) {
    throw new CliError(`--${flag} ${path}: ${reason(e)}`, false);
  }
}

/** Parses a JSON file; a syntax error names the line and column. */
export function readJson(flag: string, path: string): unknown {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(readInput(flag, path));
  if (text.trim() === '') throw new CliError(`--${flag} ${path}: the file is empty (expected a JSON run spec)`, false);
  try {
    return JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    const at = /at position (\d+)/.exec(message);
    const what = message.replace(/ in JSON at position \d+.*$/, '').replace(/^Unexpected end of JSON input$/, 'the JSON ends early');
    if (!at) throw new CliError(`--${flag} ${path}: not JSON: ${what}`, false);
    const before = text.slice(0, Number(at[1]));
    const line = before.split('\n').length;
    const column = Number(at[1]) - before.lastIndexOf('\n');
    throw new CliError(`--${flag} ${path}:${line}:${column}: not JSON: ${what}`, false);
  }
}

/**
 * mkdir -p, one level at a time: Node's recursive mkdirSync spins forever on some paths
 * (`/proc/x`: ENOENT from a folder that exists), which hung `train --out /proc/x`.
 */
function makeFolders(dir: string): void {
  const st = statSync(dir, { throwIfNoEntry: false });
  if (st?.isDirectory()) return;
  if (st) throw Object.assign(new Error(), { code: 'EEXIST' });
  const parent = dirname(dir);
  if (parent !== dir) makeFolders(parent);
  mkdirSync(dir);
}

/** Creates the output folder and proves it writable with a probe file (removed again). */
export function prepareOutputFolder(flag: string, dir: string): void {
  try {
    makeFolders(resolve(dir));
    const probe = join(dir, `.gradscope-probe-${process.pid}`);
    writeFileSync(probe, '');
    unlinkSync(probe);
  } catch (e) {
    throw new CliError(`--${flag} ${dir}: cannot write there (${reason(e)})`, false);
  }
}

/** Checks an output file can be written (a probe file beside it) without touching the file itself. */
export function prepareOutputFile(flag: string, file: string): void {
  try {
    if (statSync(file, { throwIfNoEntry: false })?.isDirectory()) throw Object.assign(new Error(), { code: 'EISDIR' });
    const probe = join(dirname(file), `.gradscope-probe-${process.pid}`);
    writeFileSync(probe, '');
    unlinkSync(probe);
  } catch (e) {
    throw new CliError(`--${flag} ${file}: cannot write there (${reason(e)})`, false);
  }
}
