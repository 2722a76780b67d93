/**
 * `pnpm ui [--experiments dir] [--host h] [--port n]`: serves a live view of the experiments folder
 * (read-only) and prints its address; it opens nothing. Loopback only by default: reach it from
 * another machine through an SSH tunnel (`ssh -L 8080:localhost:8080 host`). Any other --host
 * requires the token printed in the URL.
 */
import { parseArgs } from 'node:util';
import { defaultExperimentsDir, onStopRequest, userPath } from '@gan/runs';
import { isLoopback } from './access.ts';
import { startUiServer } from './index.ts';

const USAGE = `usage: pnpm ui [--experiments <dir>] [--host <address>] [--port <n>]

Serves a live view of the runs and sweeps of the experiments folder (read-only) at
http://localhost:8080/ and prints the address; it opens no browser.
  --experiments <dir>  the experiments folder (default: <project>/experiments)
  --host <address>     default 127.0.0.1 (this machine only; from elsewhere use an SSH tunnel:
                       ssh -L 8080:localhost:8080 <this host>). Any other address, e.g. 0.0.0.0,
                       needs the token printed in the URL.
  --port <n>           default 8080 (0: any free port)`;

async function main(): Promise<void> {
  let values: { experiments?: string; host?: string; port?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        experiments: { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    process.stderr.write(`pnpm ui: ${(e as Error).message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  const port = values.port === undefined ? 8080 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`pnpm ui: --port must be an integer 0..65535, got ${values.port}\n`);
    process.exit(2);
  }
  const experimentsDir =
    values.experiments === undefined ? defaultExperimentsDir() : userPath(values.experiments);
  const host = values.host ?? '127.0.0.1';
  process.stdout.write(`pnpm ui: reading ${experimentsDir} ...\n`);
  const server = await startUiServer({ experimentsDir, host, port });
  if (!isLoopback(host)) {
    process.stdout.write(
      `pnpm ui: listening on ${host}, reachable from other machines: only with the token below\n`,
    );
  }
  process.stdout.write(`${server.url}\n`);
  // Ctrl-C, SIGTERM or SIGHUP: the server closes and the process exits 0; again: at once.
  onStopRequest((why) => {
    if (why.count > 1) process.exit(0);
    void server.close().then(() => process.exit(0));
  });
}

await main();
