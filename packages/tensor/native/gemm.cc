// Single-precision GEMM, C[m,n] (+)= op(A)·op(B), row-major, for the four transpose forms.
//
// Three shapes matter to the GAN trainer and get their own path (chosen from the shape only, never
// from the thread count, so a result does not depend on how many threads computed it):
//   - small m (batch 1..48 for x·W, 1..8 for dy·Wᵀ): W is read in place, without packing it
//     (packing W would cost as much as the product itself at batch 1);
//   - small k (k <= 4): the outer products xᵀ·dy of the weight gradient, a rank-k update that is
//     bound by reading and writing C;
//   - everything else: a BLIS-style blocked product. Panels of A and B are packed into contiguous,
//     zero-padded buffers, and a register-blocked micro-kernel computes an MR x NR tile of C with
//     FMAs, MR*NV vector accumulators held in registers for a whole k-block.
//
// Every element of C is computed by one task with a fixed order of operations: a float32 FMA chain
// over p within a k-block (blocks split k the same way for any thread count), then added to C. The
// edge tiles run the same micro-kernel on zero-padded panels, so an element's value does not depend
// on which tile, or which thread, computed it. Nor on the variant: every variant fuses the same
// multiply-adds (the scalar one by simd.h's exact fma), a path and its k-blocks are chosen from the
// shape alone, and a dot product keeps sixteen lanes at any vector width.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "kernels.h"
#include "pool.h"
#include "simd.h"

namespace gt {
namespace {

// The GT_* macros below override tuned constants for experiments (c++ ... -DGT_KC=384); the build
// script leaves them unset.

// Register blocking: MR rows x NV vectors of accumulators. With AVX-512, 8 x 2 (16 accumulators,
// 16 x 32 floats) measured as fast as 8 x 3, 12 x 2, 14 x 2 or 6 x 4 on the large products here and
// faster on narrow ones (less padding at NR = 32), and its B micro-panel (KC x 32 floats, 32 KiB)
// stays in a 48 KiB L1. MR = 8 divides the usual batch sizes (8 ... 64): no padded rows.
#if defined(GT_MR) && defined(GT_NV)
constexpr int MR = GT_MR;
constexpr int NV = GT_NV;
#elif defined(GT_AVX512)
constexpr int MR = 8;
constexpr int NV = 2;
#elif defined(GT_AVX2)
// 16 ymm registers: the classic 6 x 16 Haswell kernel (12 accumulators).
constexpr int MR = 6;
constexpr int NV = 2;
#else
constexpr int MR = 4;
constexpr int NV = 4;
#endif
constexpr int NR = NV * W;
// Vector accumulators the register file holds next to a few operands (32 zmm / 16 ymm registers).
constexpr int kAccumulators = W == 16 ? 24 : 12;

// Cache blocking. A k-block of KC keeps a B micro-panel (KC x NR floats) in L1 while the MR-row
// panels of A stream past it; the packed A block (MC x KC, 128 KiB) lives in L2 and the packed B
// block (KC x NC) in L2/L3. KC from 160 to 512 measured the same within noise.
#ifdef GT_KC
constexpr int64_t KC = GT_KC;
#else
constexpr int64_t KC = 256;
#endif
constexpr int64_t MC = 128;
constexpr int64_t NC = 1536;

// Path thresholds (shape only).
// Reading B in place with 8 x 48 register tiles measured faster than packing it up to about 48 rows
// (1.1 to 1.4x at 24-48 rows on [*,686]x[686,784]); beyond, B is re-read too often.
#ifndef GT_SMALL_M
#define GT_SMALL_M 48
#endif
// Dot products beat transposing B into panels up to about 8 rows (2x at 1-4 rows, equal at 8).
#ifndef GT_SMALL_M_DOT
#define GT_SMALL_M_DOT 8
#endif
constexpr int64_t kSmallM = GT_SMALL_M;         // x·W without packing up to this many rows
constexpr int64_t kSmallMDot = GT_SMALL_M_DOT;  // dy·Wᵀ as dot products up to this many rows
constexpr int64_t kSmallK = 4;      // rank-k updates up to this k
// Multiply-adds a task must have before a second thread pays off (handing a job over costs
// 1.5-3 µs): products bound by reading W (batch < 8: gemv, dot products, outer products) from 128K
// multiply-adds, compute-bound ones (about 180 GFLOP/s on one core, plus packing repeated per
// task) from 2M.
#ifdef GT_MIN_MACS
constexpr int64_t kMinMacsPerTask = GT_MIN_MACS;
constexpr int64_t kMinComputeMacsPerTask = GT_MIN_MACS;
#else
constexpr int64_t kMinMacsPerTask = 1 << 16;
constexpr int64_t kMinComputeMacsPerTask = 1 << 20;
#endif
// Chunks per thread in the blocked path: one. Every chunk packs its own copy of the shared operand
// and pays the edge tiles, and two per thread measured up to 40% slower on 2 cores.
#ifdef GT_BLOCKED_CHUNKS
constexpr int kBlockedChunks = GT_BLOCKED_CHUNKS;
#else
constexpr int kBlockedChunks = 1;
#endif

inline int64_t round_up(int64_t x, int64_t r) { return (x + r - 1) / r * r; }

/** Per-thread, 64-byte aligned scratch space that grows as needed and is kept between calls. */
float* scratch(int slot, int64_t floats) {
  struct Buffers {
    float* p[2] = {nullptr, nullptr};
    int64_t cap[2] = {0, 0};
    ~Buffers() {
      std::free(p[0]);
      std::free(p[1]);
    }
  };
  thread_local Buffers buf;
  if (buf.cap[slot] < floats) {
    std::free(buf.p[slot]);
    int64_t bytes = round_up(floats * static_cast<int64_t>(sizeof(float)), 64);
    buf.p[slot] = static_cast<float*>(std::aligned_alloc(64, static_cast<size_t>(bytes)));
    if (buf.p[slot] == nullptr) {
      // Throwing would unwind a pool worker (std::terminate) or leave a job half done.
      std::fprintf(stderr, "tensor_native: out of memory for %lld bytes of GEMM scratch\n",
                   static_cast<long long>(bytes));
      std::abort();
    }
    buf.cap[slot] = floats;
  }
  return buf.p[slot];
}

// ---------------------------------------------------------------------------------------------
// Packing

/** dst[p*R + r] = src[p*ld + r] for r < valid, zero for valid <= r < R; p in [0, kc). */
void pack_direct(const float* src, int64_t ld, int valid, int64_t kc, float* dst, int R) {
  for (int64_t p = 0; p < kc; ++p) {
    const float* s = src + p * ld;
    float* d = dst + p * R;
    for (int r = 0; r < R; r += W) {
      int want = std::min(W, R - r);
      int have = std::max(0, std::min(valid - r, want));
      vf v = have == W ? vload(s + r) : have > 0 ? vloadn(s + r, have) : vzero();
      if (want == W) vstore(d + r, v);
      else vstoren(d + r, v, want);
    }
  }
}

/** dst[p*R + r] = src[r*ld + p] for r < valid, zero for valid <= r < R; p in [0, kc). */
void pack_transposed(const float* src, int64_t ld, int valid, int64_t kc, float* dst, int R) {
  int r = 0;
#if defined(GT_AVX512) || defined(GT_AVX2)
  // In-register 8 x 8 transposes: a strided gather would cost one load per element.
  for (; r + 8 <= valid; r += 8) {
    const float* s = src + r * ld;
    int64_t p = 0;
    for (; p + 8 <= kc; p += 8) transpose8x8(s + p, ld, dst + p * R + r, R);
    for (; p < kc; ++p)
      for (int i = 0; i < 8; ++i) dst[p * R + r + i] = s[i * ld + p];
  }
#endif
  for (; r < valid; ++r) {
    const float* s = src + r * ld;
    for (int64_t p = 0; p < kc; ++p) dst[p * R + r] = s[p];
  }
  if (r < R)
    for (int64_t p = 0; p < kc; ++p) std::memset(dst + p * R + r, 0, sizeof(float) * (R - r));
}

// ---------------------------------------------------------------------------------------------
// Blocked path

/**
 * C[R, NV*W] (=|+=) Ap·Bp over one k-block. Ap is a packed MR-row panel (kc x R), Bp a packed
 * NR-column panel (kc x NR). The accumulators stay in registers for the whole block.
 */
template <int R, int V>
inline void micro_kernel(int64_t kc, const float* __restrict ap, const float* __restrict bp,
                         float* __restrict c, int64_t ldc, bool overwrite) {
  vf acc[R][V];
#pragma GCC unroll 32
  for (int i = 0; i < R; ++i)
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v) acc[i][v] = vzero();
  for (int64_t p = 0; p < kc; ++p) {
    vf b[V];
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v) b[v] = vload(bp + v * W);
#pragma GCC unroll 32
    for (int i = 0; i < R; ++i) {
      vf a = vset(ap[i]);
#pragma GCC unroll 8
      for (int v = 0; v < V; ++v) acc[i][v] = vfma(a, b[v], acc[i][v]);
    }
    ap += R;
    bp += V * W;
  }
#pragma GCC unroll 32
  for (int i = 0; i < R; ++i)
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v) {
      float* cp = c + i * ldc + v * W;
      vstore(cp, overwrite ? acc[i][v] : vload(cp) + acc[i][v]);
    }
}

/** A partial tile: the full kernel into a local tile, then the valid mr x nr part into C. */
void micro_kernel_edge(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, int mr, int nr,
                       bool overwrite) {
  alignas(64) float tile[MR * NR];
  micro_kernel<MR, NV>(kc, ap, bp, tile, NR, true);
  for (int i = 0; i < mr; ++i)
    for (int j = 0; j < nr; ++j) {
      float* cp = c + i * ldc + j;
      *cp = overwrite ? tile[i * NR + j] : *cp + tile[i * NR + j];
    }
}

struct Gemm {
  const float* a;
  const float* b;
  float* c;
  int64_t m, n, k;
  bool ta, tb, accumulate;

  /** Packs rows [i, i+mr) x k-range [p0, p0+kc) of op(A) into an MR-row panel. */
  void pack_a(int64_t i, int mr, int64_t p0, int64_t kc, float* dst) const {
    if (ta) pack_direct(a + p0 * m + i, m, mr, kc, dst, MR);
    else pack_transposed(a + i * k + p0, k, mr, kc, dst, MR);
  }

  /** Packs k-range [p0, p0+kc) x columns [j, j+nr) of op(B) into an NR-column panel. */
  void pack_b(int64_t p0, int64_t kc, int64_t j, int nr, float* dst) const {
    if (tb) pack_transposed(b + j * k + p0, k, nr, kc, dst, NR);
    else pack_direct(b + p0 * n + j, n, nr, kc, dst, NR);
  }

  /** C[i0:i1, j0:j1] by the blocked algorithm (one task's share). */
  void blocked(int64_t i0, int64_t i1, int64_t j0, int64_t j1) const {
    const int64_t nkb = (k + KC - 1) / KC;
    float* bbuf = scratch(0, KC * round_up(std::min(NC, j1 - j0), NR) + KC);
    float* abuf = scratch(1, round_up(std::min(MC, i1 - i0), MR) * KC + KC);
    for (int64_t jc = j0; jc < j1; jc += NC) {
      const int64_t nc = std::min(NC, j1 - jc);
      for (int64_t kb = 0; kb < nkb; ++kb) {
        // Balanced k-blocks (800 = 4 x 200, not 256 + 256 + 256 + 32): a short last block would pay
        // the C load/store of a full pass for little work. They depend on k only.
        const int64_t p0 = k * kb / nkb, kc = k * (kb + 1) / nkb - p0;
        const bool overwrite = kb == 0 && !accumulate;
        for (int64_t jr = 0; jr < nc; jr += NR)
          pack_b(p0, kc, jc + jr, static_cast<int>(std::min<int64_t>(NR, nc - jr)), bbuf + jr * kc);
        for (int64_t ic = i0; ic < i1; ic += MC) {
          const int64_t mc = std::min(MC, i1 - ic);
          for (int64_t ir = 0; ir < mc; ir += MR)
            pack_a(ic + ir, static_cast<int>(std::min<int64_t>(MR, mc - ir)), p0, kc, abuf + ir * kc);
          for (int64_t jr = 0; jr < nc; jr += NR) {
            const int nr = static_cast<int>(std::min<int64_t>(NR, nc - jr));
            for (int64_t ir = 0; ir < mc; ir += MR) {
              const int mr = static_cast<int>(std::min<int64_t>(MR, mc - ir));
              float* cp = c + (ic + ir) * n + jc + jr;
              if (mr == MR && nr == NR) micro_kernel<MR, NV>(kc, abuf + ir * kc, bbuf + jr * kc, cp, n, overwrite);
              else micro_kernel_edge(kc, abuf + ir * kc, bbuf + jr * kc, cp, n, mr, nr, overwrite);
            }
          }
        }
      }
    }
  }

  void run_blocked() const {
    const int tasks = tasks_for(m * n * k, kMinComputeMacsPerTask);
    // Split the dimension whose other operand is smaller: splitting columns makes every task pack
    // all of A (m x k), splitting rows makes every task pack all of B (k x n).
    if (m <= n && n >= 2 * W) {
      parallel_for(n, W, tasks, [&](int64_t j0, int64_t j1) { blocked(0, m, j0, j1); }, kBlockedChunks);
    } else {
      parallel_for(m, MR, tasks, [&](int64_t i0, int64_t i1) { blocked(i0, i1, 0, n); }, kBlockedChunks);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Small m, B not transposed: C[M rows, V vectors] straight from A and B, no packing.

  template <int M, int V, bool Tail>
  void rows_block(int64_t i, int64_t j, int tail) const {
    const int64_t ars = ta ? 1 : k, aps = ta ? m : 1;
    const float* ap = a + i * ars;
    const float* bp = b + j;
    vf acc[M][V];
#pragma GCC unroll 16
    for (int r = 0; r < M; ++r)
#pragma GCC unroll 16
      for (int v = 0; v < V; ++v) acc[r][v] = vzero();
    for (int64_t p = 0; p < k; ++p) {
      vf bv[V];
#pragma GCC unroll 16
      for (int v = 0; v < V; ++v)
        bv[v] = (Tail && v == V - 1) ? vloadn(bp + v * W, tail) : vload(bp + v * W);
#pragma GCC unroll 16
      for (int r = 0; r < M; ++r) {
        vf av = vset(ap[r * ars]);
#pragma GCC unroll 16
        for (int v = 0; v < V; ++v) acc[r][v] = vfma(av, bv[v], acc[r][v]);
      }
      ap += aps;
      bp += n;
    }
#pragma GCC unroll 16
    for (int r = 0; r < M; ++r)
#pragma GCC unroll 16
      for (int v = 0; v < V; ++v) {
        float* cp = c + (i + r) * n + j + v * W;
        if (Tail && v == V - 1) {
          vf old = accumulate ? vloadn(cp, tail) : vzero();
          vstoren(cp, accumulate ? old + acc[r][v] : acc[r][v], tail);
        } else {
          vstore(cp, accumulate ? vload(cp) + acc[r][v] : acc[r][v]);
        }
      }
  }

  /** Columns [j, j1) in blocks of V vectors, then V/2, ... so no column is left to narrow blocks. */
  template <int M, int V>
  void rows_blocks(int64_t i, int64_t& j, int64_t j1) const {
    for (; j + V * W <= j1; j += V * W) rows_block<M, V, false>(i, j, 0);
    if constexpr (V > 1) rows_blocks<M, V / 2>(i, j, j1);
  }

  template <int M>
  void rows_group(int64_t i, int64_t j0, int64_t j1) const {
    // As many accumulators as the registers allow (enough independent FMA chains to hide the
    // latency), leaving room for the B row and the broadcast: 8 x 3 with AVX-512, 8 x 1 with AVX2.
    constexpr int V = std::max(1, std::min(16, kAccumulators / M));
    int64_t j = j0;
    rows_blocks<M, V>(i, j, j1);
    if (j < j1) rows_block<M, 1, true>(i, j, static_cast<int>(j1 - j));
  }

  void small_m_cols(int64_t j0, int64_t j1) const {
    for (int64_t i = 0; i < m;) {
      const int64_t left = m - i;
      if (left >= 8) rows_group<8>(i, j0, j1), i += 8;
      else if (left >= 4) rows_group<4>(i, j0, j1), i += 4;
      else if (left >= 2) rows_group<2>(i, j0, j1), i += 2;
      else rows_group<1>(i, j0, j1), i += 1;
    }
  }

  void run_small_m() const {
    // From 8 rows on, the register tiles keep the FMA units busy: compute-bound, and one chunk per
    // thread (narrow chunks would fall back to narrow tiles). Below, W is streamed and two chunks
    // per thread balance better.
    const bool compute = m >= 8;
    parallel_for(n, W, tasks_for(m * n * k, compute ? kMinComputeMacsPerTask : kMinMacsPerTask),
                 [&](int64_t j0, int64_t j1) { small_m_cols(j0, j1); }, compute ? 1 : 2);
  }

  // -------------------------------------------------------------------------------------------
  // Small m, B transposed: C[i,j] is a dot product of row i of op(A) and row j of B (both
  // contiguous). Lane l of a sixteen-lane accumulator (simd.h vf16) sums the p = l (mod 16), then
  // a fixed tree adds the lanes: the same bits with any vector width.

  template <int M, int J>
  void dot_block(const float* arows, int64_t i, int64_t j) const {
    vf16 acc[M][J];
#pragma GCC unroll 16
    for (int r = 0; r < M; ++r)
#pragma GCC unroll 16
      for (int q = 0; q < J; ++q) acc[r][q] = v16zero();
    const float* bp = b + j * k;
    int64_t p = 0;
    for (; p + 16 <= k; p += 16) {
      vf16 av[M];
#pragma GCC unroll 16
      for (int r = 0; r < M; ++r) av[r] = v16load(arows + (i + r) * k + p);
#pragma GCC unroll 16
      for (int q = 0; q < J; ++q) {
        const vf16 bv = v16load(bp + q * k + p);
#pragma GCC unroll 16
        for (int r = 0; r < M; ++r) acc[r][q] = v16fma(av[r], bv, acc[r][q]);
      }
    }
    if (p < k) {
      const int t = static_cast<int>(k - p);
      vf16 av[M];
#pragma GCC unroll 16
      for (int r = 0; r < M; ++r) av[r] = v16loadn(arows + (i + r) * k + p, t);
#pragma GCC unroll 16
      for (int q = 0; q < J; ++q) {
        const vf16 bv = v16loadn(bp + q * k + p, t);
#pragma GCC unroll 16
        for (int r = 0; r < M; ++r) acc[r][q] = v16fma(av[r], bv, acc[r][q]);
      }
    }
#pragma GCC unroll 16
    for (int r = 0; r < M; ++r)
#pragma GCC unroll 16
      for (int q = 0; q < J; ++q) {
        float s = v16sum(acc[r][q]);
        float* cp = c + (i + r) * n + j + q;
        *cp = accumulate ? *cp + s : s;
      }
  }

  template <int M>
  void dot_group(const float* arows, int64_t i, int64_t j0, int64_t j1) const {
    // M x J accumulators plus M rows of A in registers (each kParts vectors wide).
    constexpr int J = std::max(1, std::min(8, (kAccumulators / kParts - M) / M));
    int64_t j = j0;
    for (; j + J <= j1; j += J) dot_block<M, J>(arows, i, j);
    for (; j < j1; ++j) dot_block<M, 1>(arows, i, j);
  }

  void run_small_m_dot() const {
    const float* arows = a;
    if (ta) {
      // op(A) = Aᵀ has strided rows: copy them out once (m <= kSmallMDot rows, cheap).
      float* t = scratch(1, m * k);
      for (int64_t p = 0; p < k; ++p)
        for (int64_t i = 0; i < m; ++i) t[i * k + p] = a[p * m + i];
      arows = t;
    }
    parallel_for(n, 1, tasks_for(m * n * k, kMinMacsPerTask), [&](int64_t j0, int64_t j1) {
      for (int64_t i = 0; i < m;) {
        const int64_t left = m - i;
        if (left >= 4) dot_group<4>(arows, i, j0, j1), i += 4;
        else if (left >= 2) dot_group<2>(arows, i, j0, j1), i += 2;
        else dot_group<1>(arows, i, j0, j1), i += 1;
      }
    });
  }

  // -------------------------------------------------------------------------------------------
  // Small k: C[i,:] (+)= Σ_p op(A)[i,p] · op(B)[p,:], one pass over C.

  void run_small_k() const {
    const float* brows = b;
    if (tb) {
      float* t = scratch(1, k * n);
      for (int64_t j = 0; j < n; ++j)
        for (int64_t p = 0; p < k; ++p) t[p * n + j] = b[j * k + p];
      brows = t;
    }
    const int64_t ars = ta ? 1 : k, aps = ta ? m : 1;
    parallel_for(m, 1, tasks_for(m * n * std::max<int64_t>(k, 2), kMinMacsPerTask),
                 [&](int64_t i0, int64_t i1) {
                   vf av[kSmallK];
                   for (int64_t i = i0; i < i1; ++i) {
                     for (int64_t p = 0; p < k; ++p) av[p] = vset(a[i * ars + p * aps]);
                     float* crow = c + i * n;
                     int64_t j = 0;
                     for (; j + W <= n; j += W) {
                       vf acc = vzero();
                       for (int64_t p = 0; p < k; ++p) acc = vfma(av[p], vload(brows + p * n + j), acc);
                       vstore(crow + j, accumulate ? vload(crow + j) + acc : acc);
                     }
                     if (j < n) {
                       const int t = static_cast<int>(n - j);
                       vf acc = vzero();
                       for (int64_t p = 0; p < k; ++p) acc = vfma(av[p], vloadn(brows + p * n + j, t), acc);
                       vstoren(crow + j, accumulate ? vloadn(crow + j, t) + acc : acc, t);
                     }
                   }
                 });
  }
};

}  // namespace

void gemm(const float* a, const float* b, float* c, int64_t m, int64_t n, int64_t k, bool ta, bool tb,
          bool accumulate) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!accumulate) std::memset(c, 0, sizeof(float) * static_cast<size_t>(m * n));
    return;
  }
  const Gemm g{a, b, c, m, n, k, ta, tb, accumulate};
  if (k <= kSmallK) g.run_small_k();
  else if (!tb && m <= kSmallM) g.run_small_m();
  else if (tb && m <= kSmallMDot) g.run_small_m_dot();
  else g.run_blocked();
}

}  // namespace gt
