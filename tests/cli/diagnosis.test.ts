// `gradscope train` with diagnosis, as users run it (node bin/gradscope.mjs): on the deep sigmoid
// example (standard init) it announces vanishing gradients when they first appear, prints the
// findings at the end (one line, then evidence and advice indented), writes diagnosis.json in the
// documented shape and each metrics.jsonl line's findings; a healthy run says it saw no problem.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = (...args: string[]) => promisify(execFile)('node', ['bin/gradscope.mjs', ...args], { timeout: 120_000 });
const dir = mkdtempSync(join(tmpdir(), 'gradscope-diagnosis-'));

describe('gradscope train: diagnosis', () => {
  it('finds vanishing gradients in the deep sigmoid example and writes them to diagnosis.json and metrics.jsonl', async () => {
    const out = join(dir, 'sigmoid');
    const { stdout, stderr } = await run('train', '--config', 'examples/sigmoid-deep.json', '--steps', '150', '--out', out);
    expect(stderr).toMatch(/^diagnosis at step \d+: vanishing_gradients: at step \d+ layers\.0\.weight's gradient norm is/m);
    expect(stdout).toMatch(/\ndiagnosis at step 150: 1 finding\nvanishing_gradients \(problem, since step 1\): layers\.0\.weight, .*\n  evidence: .* orders of magnitude .*\n  try: switch activation to relu with he_normal init/);
    const report = JSON.parse(readFileSync(join(out, 'diagnosis.json'), 'utf8'));
    expect(Object.keys(report)).toEqual(['findings', 'history', 'steps_seen']);
    expect(report.steps_seen).toBe(150);
    expect(report.findings.map((f: { kind: string }) => f.kind)).toEqual(['vanishing_gradients']);
    expect(Object.keys(report.findings[0])).toEqual(['kind', 'severity', 'since_step', 'where', 'evidence', 'advice']);
    expect(report.findings[0].advice).toContain('add batchnorm before each activation (preset: Batch norm in a deep sigmoid net)');
    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0].findings).toEqual([]); // step 1: nothing sustained yet
    expect(lines[lines.length - 1].findings.map((f: { kind: string }) => f.kind)).toEqual(['vanishing_gradients']);
    expect(lines[lines.length - 1].findings[0].advice).toBeUndefined(); // advice is in diagnosis.json
  });

  it('says a healthy run showed no problem', async () => {
    const config = join(dir, 'healthy.json');
    writeFileSync(config, JSON.stringify({
      model: { input: 2, layers: [{ type: 'dense', units: 16, init: 'he_normal' }, { type: 'activation', fn: 'relu' }, { type: 'dense', units: 16, init: 'he_normal' }, { type: 'activation', fn: 'relu' }, { type: 'dense', units: 3 }] },
      optimizer: { type: 'adam', lr: 0.01 }, data: { name: 'spiral', classes: 3, samples: 600 }, batch_size: 32, steps: 150, seed: 1,
    }));
    const { stdout } = await run('train', '--config', config, '--out', join(dir, 'healthy'));
    expect(stdout).toMatch(/\ndiagnosis at step 150: no problem seen over the last 100 steps\n/);
    expect(JSON.parse(readFileSync(join(dir, 'healthy', 'diagnosis.json'), 'utf8'))).toEqual({ findings: [], history: [], steps_seen: 150 });
  });
});
