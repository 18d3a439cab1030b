// `npm run bench [-- --quick|--full] [--json] [--only matmul|training|normalisation] [--variants]`: gradscope against
// TensorFlow.js (WebGPU) and jax-js (WebGPU), measured in one process on the same adapter.
// Prints the adapter and a table of rates with ratios against the faster peer; never asserts.
// The same benchmark runs in Chromium: `npm run bench:browser` (bench/browser.ts).
import { parseArgs } from 'node:util';
import { GpuContext } from '../src/gpu/context';
import { openNodeDevice } from '../src/gpu/node';
import { startNodePeers } from './peers_node';
import { runBench } from './run';
import { formatTable } from './timing';

const { values } = parseArgs({ options: { quick: { type: 'boolean' }, full: { type: 'boolean' }, json: { type: 'boolean' }, only: { type: 'string' }, variants: { type: 'boolean' } } });
const scope = values.quick ? 'quick' : values.full ? 'full' : 'default';
const log = (s: string) => { if (!values.json) console.error(s); };

const gpu = await openNodeDevice({ verbose: !values.json });
const ctx = new GpuContext(gpu);
const peers = await startNodePeers();
for (const n of peers.notes) log(`peer: ${n}`);
const { rows, extra } = await runBench(ctx, peers, { scope, only: values.only, variants: values.variants }, log);
if (values.json) {
  console.log(JSON.stringify({ adapter: gpu.adapter, features: [...gpu.features], scope, peers: peers.notes, rows, ...extra, date: new Date().toISOString() }, null, 2));
} else {
  console.log(`\nadapter: ${gpu.adapter.name} (${gpu.adapter.vendor}, ${gpu.adapter.architecture})\n`);
  console.log(formatTable(rows));
  console.log(`\n${JSON.stringify(extra)}`);
}
ctx.destroy();
process.exit(0);
