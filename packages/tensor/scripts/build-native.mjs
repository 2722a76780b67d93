#!/usr/bin/env node
// Builds the native tensor backend (build/tensor_native.node) with the system C++ compiler.
//
// Optional by design: when the compiler or the Node headers are missing, or compilation fails, it
// prints one warning line and exits 0, and the TypeScript backend is used instead. The build is
// skipped when the sources, flags, compiler and Node version are unchanged (hash in
// build/tensor_native.hash).
//
//   node scripts/build-native.mjs           # build if needed
//   node scripts/build-native.mjs --force   # always rebuild
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(pkgDir, 'native');
const outDir = join(pkgDir, 'build');
const output = join(outDir, 'tensor_native.node');
const hashFile = join(outDir, 'tensor_native.hash');

// -ffp-contract=off: the kernels that mirror the reference's float64 arithmetic must not have
// a*b+c fused behind their back (the GEMM asks for FMAs explicitly). -fno-math-errno and
// -fno-trapping-math (nothing reads errno or FP exception flags) let sqrt and branch-free selects
// vectorise; neither changes a result.
const FLAGS = [
  '-std=c++17',
  '-O3',
  '-march=native',
  '-fPIC',
  '-shared',
  '-pthread',
  '-ffp-contract=off',
  '-fno-math-errno',
  '-fno-trapping-math',
  '-fvisibility=hidden',
];

function skip(reason) {
  // A stale addon from older sources must not be picked up instead: the message promises the
  // TypeScript backend.
  rmSync(output, { force: true });
  rmSync(hashFile, { force: true });
  console.warn(`native tensor backend not built (${reason}); using the TypeScript backend`);
  process.exit(0);
}

function nodeIncludeDir() {
  const hasHeaders = (dir) => existsSync(join(dir, 'node_api.h'));
  // <prefix>/bin/node -> <prefix>/include/node (system packages and the official tarballs).
  const beside = join(dirname(dirname(process.execPath)), 'include', 'node');
  if (hasHeaders(beside)) return beside;
  try {
    const nodedir = execFileSync('npm', ['config', 'get', 'nodedir'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 15000,
    }).trim();
    const fromNpm = join(nodedir, 'include', 'node');
    if (nodedir && nodedir !== 'undefined' && nodedir !== 'null' && hasHeaders(fromNpm)) return fromNpm;
  } catch {
    // npm missing or failing: no other place to look.
  }
  return undefined;
}

function main() {
  const force = process.argv.includes('--force');
  const cxx = process.env.CXX || 'c++';
  const include = nodeIncludeDir();
  if (include === undefined) skip('Node-API headers (node_api.h) not found next to node or in npm nodedir');

  const version = spawnSync(cxx, ['--version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) skip(`C++ compiler '${cxx}' not found`);

  const sources = readdirSync(srcDir)
    .filter((f) => f.endsWith('.cc') || f.endsWith('.h'))
    .sort();
  const hash = createHash('sha256');
  for (const f of sources)
    hash
      .update(f)
      .update('\0')
      .update(readFileSync(join(srcDir, f)));
  hash.update(FLAGS.join(' ')).update(cxx).update(version.stdout).update(process.version).update(include);
  const digest = hash.digest('hex');
  if (
    !force &&
    existsSync(output) &&
    existsSync(hashFile) &&
    readFileSync(hashFile, 'utf8').trim() === digest
  ) {
    return;
  }

  mkdirSync(outDir, { recursive: true });
  const tmp = `${output}.tmp-${process.pid}`;
  const args = [
    ...FLAGS,
    `-I${include}`,
    ...sources.filter((f) => f.endsWith('.cc')).map((f) => join(srcDir, f)),
    '-o',
    tmp,
  ];
  const res = spawnSync(cxx, args, { encoding: 'utf8' });
  if (res.error || res.status !== 0) {
    rmSync(tmp, { force: true });
    const first = `${res.stderr ?? ''}`.split('\n').find((l) => /error/i.test(l)) ?? res.error?.message ?? '';
    skip(`compilation failed: ${first.trim().slice(0, 200) || `exit code ${res.status}`}`);
  }
  if (res.stderr.trim() !== '') process.stderr.write(res.stderr);
  // Rename into place so a process loading the addon never sees a half-written file.
  renameSync(tmp, output);
  writeFileSync(hashFile, `${digest}\n`);
  console.log(`native tensor backend built: ${output}`);
}

try {
  main();
} catch (err) {
  skip(err instanceof Error ? err.message : String(err));
}
