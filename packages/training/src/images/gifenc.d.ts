// gifenc ships no types; only what this package uses is declared.
declare module 'gifenc' {
  interface GifFrameOptions {
    /** Color table as [r, g, b] triples; required on the first frame (the global table). */
    palette?: number[][];
    /** Frame delay in milliseconds (stored in 10 ms units). */
    delay?: number;
    /** -1 plays once, 0 loops forever, n > 0 repeats n times. Read on the first frame only. */
    repeat?: number;
  }
  interface GifEncoderStream {
    writeFrame(index: Uint8Array, width: number, height: number, options?: GifFrameOptions): void;
    finish(): void;
    bytes(): Uint8Array;
  }
  type GIFEncoder = (options?: { auto?: boolean; initialCapacity?: number }) => GifEncoderStream;
  // Node loads the CommonJS build (default import = module.exports), Vite the ESM build
  // (default import = GIFEncoder itself).
  const gifenc: GIFEncoder | { GIFEncoder: GIFEncoder };
  export default gifenc;
}
