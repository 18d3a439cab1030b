// Preloaded into the command line by tests/cli/cli.test.ts (node --import): every GPU device it
// opens is destroyed LOSE_DEVICE_AFTER_MS after creation, as a driver reset would lose it.
import { globals } from 'webgpu';

const requestDevice = globals.GPUAdapter.prototype.requestDevice;
globals.GPUAdapter.prototype.requestDevice = async function (...args) {
  const device = await requestDevice.apply(this, args);
  setTimeout(() => device.destroy(), Number(process.env.LOSE_DEVICE_AFTER_MS ?? 1000));
  return device;
};
