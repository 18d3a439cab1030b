// The headless command line: `gradscope <command>`. Built by vite.cli.config.ts (so WGSL ?raw
// imports work) and run with `npm run cli -- <command>`.
import { GpuContext } from '../gpu/context';
import { openNodeDevice } from '../gpu/node';
import { selfCheck } from '../gpu/selfcheck';

const USAGE = `usage: gradscope <command>

commands:
  info     show the WebGPU adapter, its features and limits, and run a kernel self-check`;

async function info(): Promise<number> {
  const ctx = new GpuContext(await openNodeDevice());
  try {
    const { adapter, features, limits } = ctx.gpu;
    console.log(`adapter:   ${adapter.name}`);
    console.log(`vendor:    ${adapter.vendor || '-'}  architecture: ${adapter.architecture || '-'}`);
    console.log(`features:  ${[...features].join(', ') || 'none'}`);
    console.log(`limits:    maxStorageBufferBindingSize=${limits.maxStorageBufferBindingSize} maxBufferSize=${limits.maxBufferSize} ` +
      `maxComputeWorkgroupStorageSize=${limits.maxComputeWorkgroupStorageSize} maxComputeInvocationsPerWorkgroup=${limits.maxComputeInvocationsPerWorkgroup}`);
    const check = await selfCheck(ctx);
    console.log(`selfcheck: ${check.ok ? 'ok' : 'FAILED'} (${check.elements} elements, max error ${check.maxError.toExponential(1)}, ${check.ms.toFixed(0)} ms)`);
    return check.ok ? 0 : 1;
  } finally {
    ctx.destroy();
  }
}

async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  switch (command) {
    case 'info':
      return info();
    case undefined:
    case '-h':
    case '--help':
      console.log(USAGE);
      return command ? 0 : 2;
    default:
      console.error(`gradscope: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    console.error(`gradscope: ${(e as Error).message}`);
    process.exit(1);
  },
);
