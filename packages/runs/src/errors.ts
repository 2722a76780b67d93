/**
 * A file of a run folder that exists but cannot be read as what it should be (bad JSON, wrong
 * shape, corrupt checkpoint). The message starts with the file's path so a user can open it.
 *
 * ```ts
 * try { await readMeta(runDir); } catch (e) { if (e instanceof RunFormatError) console.error(e.message); }
 * ```
 */
export class RunFormatError extends Error {
  override readonly name = 'RunFormatError';
  /** The path of the offending file (or a label such as `<buffer>` for in-memory data). */
  readonly file: string;

  constructor(file: string, detail: string, options?: { cause?: unknown }) {
    super(`${file}: ${detail}`, options);
    this.file = file;
  }
}
