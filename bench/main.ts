// `npm run bench [-- --quick|--full] [--json] [--only matmul|training|normalisation] [--variants]`: gradscope against
// TensorFlow.js (WebGPU) and jax-js (WebGPU), measured in one process on the same adapter.
// Prints the adapter and a table of rates with ratios against the faster peer; never asserts.
import { parseArgs } from 'node:util';
import { GpuContext } from '../src/gpu/context';
import { openNodeDevice } from '../src/gpu/node';
import { benchMatmul, matmulCases } from './matmul';
import { startPeers } from './peers';
import { formatTable, type Row } from './timing';
import { benchTraining } from './training';
import { benchNormalisation } from './normalisation';

const { values } = parseArgs({ options: { quick: { type: 'boolean' }, full: { type: 'boolean' }, json: { type: 'boolean' }, only: { type: 'string' }, variants: { type: 'boolean' } } });
const scope = values.quick ? 'quick' : values.full ? 'full' : 'default';
const log = (s: string) => { if (!values.json) console.error(s); };

const gpu = await openNodeDevice({ verbose: !values.json });
const ctx = new GpuContext(gpu);
const peers = await startPeers();
for (const n of peers.notes) log(`peer: ${n}`);
const rows: Row[] = [];
let extra: Record<string, unknown> = {};
if (!values.only || values.only === 'matmul') {
  log('matmul:');
  rows.push(...(await benchMatmul(ctx, peers, matmulCases(scope), scope === 'quick' ? 3 : 5, log, values.variants)));
}
if (!values.only || values.only === 'training') {
  log('training:');
  const t = await benchTraining(ctx, peers, scope === 'quick', log);
  rows.push(...t.rows);
  extra = t.extra;
}
if (!values.only || values.only === 'training' || values.only === 'normalisation') {
  const n = await benchNormalisation(ctx, scope === 'quick', log);
  rows.push(...n.rows);
  extra = { ...extra, ...n.extra };
}
if (values.json) {
  console.log(JSON.stringify({ adapter: gpu.adapter, features: [...gpu.features], scope, peers: peers.notes, rows, ...extra, date: new Date().toISOString() }, null, 2));
} else {
  console.log(`\nadapter: ${gpu.adapter.name} (${gpu.adapter.vendor}, ${gpu.adapter.architecture})\n`);
  console.log(formatTable(rows));
  console.log(`\n${JSON.stringify(extra)}`);
}
ctx.destroy();
process.exit(0);
