#!/usr/bin/env node
// Builds the native tensor backend with the system C++ compiler, once per instruction-set variant:
//
//   build/tensor_native-baseline.node   any x86-64 (or, elsewhere, the compiler's default target)
//   build/tensor_native-avx2.node       x86-64-v3: AVX2, FMA, F16C, BMI1/2, LZCNT, MOVBE
//   build/tensor_native-avx512.node     x86-64-v4: the above and AVX-512 F, BW, CD, DQ, VL
//   build/tensor_native-baseline-fast.node   any x86-64, faster and not the same bits (by name only)
//
// src/backends/native.ts asks the baseline build which features the CPU has and loads the best
// variant it supports, so an addon built anywhere runs anywhere instead of dying with SIGILL on an
// older CPU (which a single `-march=native` build did).
//
// Optional by design: when the compiler or the Node headers are missing, or the baseline fails to
// compile, it prints one warning line and exits 0, and the TypeScript backend is used instead. A
// variant that fails to compile (an old compiler) is left out with a warning; the others remain.
// A variant is rebuilt only when its sources, flags, compiler or Node version change (hash in
// build/tensor_native-<variant>.hash). Each build reports its compiler and flags (`build` in
// native/addon.cc), which a run's meta.json records with the variant.
//
//   node scripts/build-native.mjs           # build what is out of date
//   node scripts/build-native.mjs --force   # rebuild every variant
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(pkgDir, 'native');
const outDir = join(pkgDir, 'build');

// -ffp-contract=off: the kernels that mirror the reference's float64 arithmetic must not have
// a*b+c fused behind their back (the GEMM asks for FMAs explicitly). -fno-math-errno and
// -fno-trapping-math (nothing reads errno or FP exception flags) let sqrt and branch-free selects
// vectorise; neither changes a result.
const FLAGS = [
  '-std=c++17',
  '-O3',
  '-fPIC',
  '-shared',
  '-pthread',
  '-ffp-contract=off',
  '-fno-math-errno',
  '-fno-trapping-math',
  '-fvisibility=hidden',
];

/**
 * The variants, by the x86-64 micro-architecture levels of the psABI. The CPU features each level
 * lets the compiler use are listed in src/backends/native.ts (NATIVE_VARIANTS), which refuses to
 * load a variant on a CPU without them. GT_EXPECT_* makes simd.h fail the build if the flags do
 * not give the variant its instruction set. Tuning stays generic: the build machine may not be
 * the machine that runs the addon.
 */
const X86_VARIANTS = [
  { name: 'baseline', flags: ['-march=x86-64', '-mtune=generic'] },
  { name: 'avx2', flags: ['-march=x86-64-v3', '-mtune=generic', '-DGT_EXPECT_AVX2'] },
  { name: 'avx512', flags: ['-march=x86-64-v4', '-mtune=generic', '-DGT_EXPECT_AVX512'] },
  // Not the same bits as the others (a multiply and an add where they fuse), about 20x faster
  // than the baseline's exact fma in the GEMM: only ever loaded when asked for by name.
  { name: 'baseline-fast', flags: ['-march=x86-64', '-mtune=generic', '-DGT_FAST_FMA'] },
];
// Elsewhere (arm64...), one build for the compiler's default target: no instruction set beyond it.
const VARIANTS = process.arch === 'x64' ? X86_VARIANTS : [{ name: 'baseline', flags: [] }];

const outputOf = (name) => join(outDir, `tensor_native-${name}.node`);
const hashFileOf = (name) => join(outDir, `tensor_native-${name}.hash`);

function removeVariant(name) {
  rmSync(outputOf(name), { force: true });
  rmSync(hashFileOf(name), { force: true });
}

function skip(reason) {
  // A stale addon from older sources must not be picked up instead: the message promises the
  // TypeScript backend.
  for (const v of VARIANTS) removeVariant(v.name);
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

/** Compiles one variant; resolves to null, or to the first error line when it fails. */
function compile(cxx, args) {
  return new Promise((done) => {
    const child = spawn(cxx, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (err) => done(err.message));
    child.on('close', (status) => {
      if (status === 0) {
        if (stderr.trim() !== '') process.stderr.write(stderr);
        done(null);
      } else {
        const first = stderr.split('\n').find((l) => /error/i.test(l)) ?? '';
        done(first.trim().slice(0, 200) || `exit code ${status}`);
      }
    });
  });
}

/** Runs `jobs` (functions returning promises) with at most `limit` at a time. */
async function limited(jobs, limit) {
  const results = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}

async function main() {
  const force = process.argv.includes('--force');
  const cxx = process.env.CXX || 'c++';
  // The single -march=native addon of earlier versions: never loaded any more, so never kept.
  rmSync(join(outDir, 'tensor_native.node'), { force: true });
  rmSync(join(outDir, 'tensor_native.hash'), { force: true });

  const include = nodeIncludeDir();
  if (include === undefined) skip('Node-API headers (node_api.h) not found next to node or in npm nodedir');

  const version = spawnSync(cxx, ['--version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) skip(`C++ compiler '${cxx}' not found`);

  const sources = readdirSync(srcDir)
    .filter((f) => f.endsWith('.cc') || f.endsWith('.h'))
    .sort();
  const common = createHash('sha256');
  for (const f of sources)
    common
      .update(f)
      .update('\0')
      .update(readFileSync(join(srcDir, f)));
  // The sources alone, which decide the kernels' arithmetic: the reproducible variants built from
  // the same sources compute the same bits (the addon reports it as `build.sources`).
  const sourceHash = common.copy().digest('hex').slice(0, 12);
  common.update(FLAGS.join(' ')).update(cxx).update(version.stdout).update(process.version).update(include);

  mkdirSync(outDir, { recursive: true });
  const todo = [];
  for (const v of VARIANTS) {
    const digest = common.copy().update(v.name).update(v.flags.join(' ')).digest('hex');
    const output = outputOf(v.name);
    const hashFile = hashFileOf(v.name);
    const upToDate =
      existsSync(output) && existsSync(hashFile) && readFileSync(hashFile, 'utf8').trim() === digest;
    if (force || !upToDate) todo.push({ ...v, digest, output, hashFile });
  }
  if (todo.length === 0) return;

  const results = await limited(
    todo.map((v) => () => {
      const tmp = `${v.output}.tmp-${process.pid}`;
      const args = [
        ...FLAGS,
        ...v.flags,
        `-DGT_VARIANT="${v.name}"`,
        // The flags that decide the variant's code, as the addon reports them (`build.flags`), so a
        // run records how its kernels were compiled; not the include path or the output, which say
        // where, not how. JSON's quoting is a valid C string literal for these plain ASCII flags.
        `-DGT_BUILD_FLAGS=${JSON.stringify([...FLAGS, ...v.flags].join(' '))}`,
        `-DGT_SOURCE_HASH="${sourceHash}"`,
        `-I${include}`,
        ...sources.filter((f) => f.endsWith('.cc')).map((f) => join(srcDir, f)),
        '-o',
        tmp,
      ];
      return compile(cxx, args).then((error) => {
        if (error !== null) {
          rmSync(tmp, { force: true });
          removeVariant(v.name);
          return error;
        }
        // Rename into place so a process loading the addon never sees a half-written file.
        renameSync(tmp, v.output);
        writeFileSync(v.hashFile, `${v.digest}\n`);
        return null;
      });
    }),
    Math.max(1, availableParallelism()),
  );

  const failed = todo.filter((_, i) => results[i] !== null);
  if (failed.some((v) => v.name === 'baseline')) {
    skip(`compilation failed: ${results[todo.findIndex((v) => v.name === 'baseline')]}`);
  }
  for (const v of failed) {
    console.warn(
      `native tensor backend: variant ${v.name} not built (compilation failed: ${results[todo.indexOf(v)]}); ` +
        'CPUs that have it use the next variant down',
    );
  }
  const built = todo.filter((v) => !failed.includes(v)).map((v) => v.name);
  if (built.length > 0) console.log(`native tensor backend built: ${built.join(', ')} in ${outDir}`);
}

main().catch((err) => skip(err instanceof Error ? err.message : String(err)));
