export * from './device';
export * from './dispatch';
export * from './buffers';
export * from './shaders';
export * from './context';
export * from './tensor';
