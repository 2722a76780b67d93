/**
 * A problem with what the user asked for (a bad option, an unknown or ambiguous run reference):
 * the CLI prints the message alone and exits with status 2.
 */
export class ReportError extends Error {
  override readonly name = 'ReportError';
}
