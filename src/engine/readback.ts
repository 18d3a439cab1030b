// Reads GPU results back without ever making the GPU wait: a small ring of MAP_READ staging
// buffers. A step copies its results into a free slot inside its own command encoder; after the
// submit the slot is mapped asynchronously and handed to `onData`. A step never waits for a slot:
// when every slot is still in flight the copy is skipped (and counted); a caller that must not
// lose a record waits for `slotFree()` between steps.

export class ReadbackRing {
  private slots: { buffer: GPUBuffer; busy: boolean }[];
  private pending = new Set<Promise<void>>();
  /** Copies skipped because every slot was still being read. */
  dropped = 0;

  constructor(private device: GPUDevice, readonly bytes: number, slots: number, label: string) {
    this.slots = Array.from({ length: slots }, (_, i) => ({
      buffer: device.createBuffer({ label: `${label}.staging${i}`, size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }),
      busy: false,
    }));
  }

  /**
   * Records a copy of `bytes` from `source` into a free slot; returns a function to call after
   * the encoder is submitted, or null when all slots are busy.
   */
  record(encoder: GPUCommandEncoder, source: GPUBuffer, onData: (data: ArrayBuffer) => void): (() => void) | null {
    const slot = this.slots.find((s) => !s.busy);
    if (!slot) {
      this.dropped++;
      return null;
    }
    slot.busy = true;
    encoder.copyBufferToBuffer(source, 0, slot.buffer, 0, this.bytes);
    return () => {
      const p = slot.buffer
        .mapAsync(GPUMapMode.READ)
        .then(() => {
          const data = slot.buffer.getMappedRange().slice(0); // unmap detaches the range
          slot.buffer.unmap();
          slot.busy = false;
          onData(data);
        })
        .catch(() => {
          slot.busy = false; // device lost or destroyed: the data is gone, not an error here
        })
        .finally(() => this.pending.delete(p));
      this.pending.add(p);
    };
  }

  /** Resolves when a slot is free (at once if one is). */
  async slotFree(): Promise<void> {
    while (this.slots.every((s) => s.busy) && this.pending.size) await Promise.race([...this.pending]);
  }

  /** Resolves when every read in flight has been delivered. */
  async flush(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  destroy(): void {
    for (const s of this.slots) s.buffer.destroy();
  }
}
