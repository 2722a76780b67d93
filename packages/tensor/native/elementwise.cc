// Elementwise kernels, reductions and the fused optimiser steps.
//
// Rounding: where the TypeScript reference computes in float64 and rounds once on store
// (scalar operands, LeakyReLU's slope, the activation gradients, SGD, Adam), these kernels do the
// same in double lanes, so they agree with it bit for bit (the build disables FMA contraction for
// that reason; Adam trades two divisions for products, see adam8). Float32 ops that are exact
// either way (+ - * / sqrt of two floats) stay in float32. Only exp, log, tanh, atan and sigmoid
// differ from the reference, by an ulp or two (vmath.h).
//
// Variants: every kernel here computes the same bits in the baseline, AVX2 and AVX-512 builds
// (lane-wise code, the same polynomials with the same fused multiply-adds, fixed summation orders).
//
// Threads: an array is cut into contiguous chunks and every element is computed the same way in
// any chunk, on any thread; reductions (sumAxis, sumSquares) are never split along the summed axis.
#include <cmath>
#include <cstring>

#include "kernels.h"
#include "pool.h"
#include "simd.h"
#include "vmath.h"

namespace gt {
namespace {

// Work a task must have before a second thread pays off. Handing a job to a spinning worker and
// collecting it costs 1.5-3 µs here (cache lines crossing cores), so a job is split only when it
// takes about 8 µs or more on one thread; these sizes are where 2 threads measured faster.
// Streaming ops (add, relu, copies) handle about 8 floats per nanosecond: 2 threads from 64K.
// (GT_MIN_ELEMS / GT_MIN_ADAM override these for experiments.)
#ifdef GT_MIN_ELEMS
constexpr int64_t kMinElemsPerTask = GT_MIN_ELEMS;
#else
constexpr int64_t kMinElemsPerTask = 1 << 15;
#endif
// exp, log, tanh, atan, sigmoid cost about 0.4 ns per element: 2 threads from 16K.
constexpr int64_t kMinMathPerTask = kMinElemsPerTask / 4;
// Adam (double lanes, a square root and a division per element): 2 threads from 32K.
#ifdef GT_MIN_ADAM
constexpr int64_t kMinAdamPerTask = GT_MIN_ADAM;
#else
constexpr int64_t kMinAdamPerTask = 1 << 14;
#endif
// Chunk boundaries are multiples of 16 floats: one cache line when the array is 64-byte aligned,
// so two threads rarely write the same line.
constexpr int64_t kGrain = 16;

/** Runs body(begin, end) over [0, n), threaded when n is large enough. */
template <class Body>
void for_ranges(int64_t n, int64_t min_per_task, Body&& body) {
  parallel_for(n, kGrain, tasks_for(n, min_per_task), body, 2);
}

/** out[i] = f(x[i]) with vector code; the tail runs the same code on a partial vector. */
template <class F>
void map1(const float* x, float* out, int64_t n, F f, int64_t min_per_task = kMinElemsPerTask) {
  for_ranges(n, min_per_task, [&](int64_t b, int64_t e) {
    int64_t i = b;
    for (; i + W <= e; i += W) vstore(out + i, f(vload(x + i)));
    if (i < e) vstoren(out + i, f(vloadn(x + i, static_cast<int>(e - i))), static_cast<int>(e - i));
  });
}

/** out[i] = f(a[i], b[i]). */
template <class F>
void map2(const float* a, const float* b, float* out, int64_t n, F f) {
  for_ranges(n, kMinElemsPerTask, [&](int64_t lo, int64_t hi) {
    int64_t i = lo;
    for (; i + W <= hi; i += W) vstore(out + i, f(vload(a + i), vload(b + i)));
    if (i < hi) {
      const int t = static_cast<int>(hi - i);
      vstoren(out + i, f(vloadn(a + i, t), vloadn(b + i, t)), t);
    }
  });
}

/** Math.max semantics: NaN if either is NaN, and +0 above -0 (x86 max returns b in both cases). */
inline vf js_max(vf a, vf b) {
  vf r = vselect(a == b, vand(a, b), vmax(a, b));
  return vselect(isnan(a) | isnan(b), a + b, r);
}
inline vf js_min(vf a, vf b) {
  vf r = vselect(a == b, vor(a, b), vmin(a, b));
  return vselect(isnan(a) | isnan(b), a + b, r);
}

template <class F>
void dispatch_binary(int op, F&& run) {
  switch (op) {
    case kAdd: return run([](vf a, vf b) { return a + b; });
    case kSub: return run([](vf a, vf b) { return a - b; });
    case kMul: return run([](vf a, vf b) { return a * b; });
    case kDiv: return run([](vf a, vf b) { return a / b; });
    case kMax: return run(js_max);
    case kMin: return run(js_min);
  }
}

void copy(const float* x, float* out, int64_t n) {
  if (out != x && n > 0) std::memmove(out, x, sizeof(float) * static_cast<size_t>(n));
}

}  // namespace

void add_bias(const float* x, const float* bias, float* out, int64_t rows, int64_t cols) {
  binary_row(kAdd, x, bias, out, rows, cols);
}

void binary(int op, const float* a, const float* b, float* out, int64_t n) {
  dispatch_binary(op, [&](auto f) { map2(a, b, out, n, f); });
}

void binary_row(int op, const float* a, const float* row, float* out, int64_t rows, int64_t cols) {
  if (cols <= 0) return;
  dispatch_binary(op, [&](auto f) {
    const int64_t rows_per_task = std::max<int64_t>(1, kMinElemsPerTask / cols);
    parallel_for(rows, 1, tasks_for(rows, rows_per_task), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const float* ar = a + r * cols;
        float* orow = out + r * cols;
        int64_t c = 0;
        for (; c + W <= cols; c += W) vstore(orow + c, f(vload(ar + c), vload(row + c)));
        if (c < cols) {
          const int t = static_cast<int>(cols - c);
          vstoren(orow + c, f(vloadn(ar + c, t), vloadn(row + c, t)), t);
        }
      }
    });
  });
}

void binary_scalar(int op, const float* a, double s, float* out, int64_t n) {
  // Rounding s first is exact for max/min (rounding is monotonic); + - * / use double lanes.
  const vf sf = vset(static_cast<float>(s));
  switch (op) {
    case kAdd:
      return for_ranges(n, kMinElemsPerTask, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) out[i] = static_cast<float>(static_cast<double>(a[i]) + s);
      });
    case kSub:
      return for_ranges(n, kMinElemsPerTask, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) out[i] = static_cast<float>(static_cast<double>(a[i]) - s);
      });
    case kMul:
      return for_ranges(n, kMinElemsPerTask, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) out[i] = static_cast<float>(static_cast<double>(a[i]) * s);
      });
    case kDiv:
      return for_ranges(n, kMinElemsPerTask, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) out[i] = static_cast<float>(static_cast<double>(a[i]) / s);
      });
    case kMax:
      return map1(a, out, n, [&](vf x) { return js_max(x, sf); });
    case kMin:
      return map1(a, out, n, [&](vf x) { return js_min(x, sf); });
  }
}

void unary(int op, const float* x, float* out, int64_t n) {
  switch (op) {
    case kNeg: return map1(x, out, n, [](vf v) { return vneg(v); });
    case kAbs: return map1(x, out, n, [](vf v) { return vabs(v); });
    case kExp: return map1(x, out, n, [](vf v) { return vexp(v); }, kMinMathPerTask);
    case kLog: return map1(x, out, n, [](vf v) { return vlog(v); }, kMinMathPerTask);
    case kSqrt: return map1(x, out, n, [](vf v) { return vsqrt(v); });
    case kSquare: return map1(x, out, n, [](vf v) { return v * v; });
    case kSign:
      // Math.sign: ±1, and ±0 or NaN unchanged.
      return map1(x, out, n, [](vf v) {
        vf r = vselect(v > vzero(), vset(1.0f), v);
        return vselect(v < vzero(), vset(-1.0f), r);
      });
  }
}

void activation(int kind, const float* x, float* out, int64_t n, double slope) {
  switch (kind) {
    case kIdentity: return copy(x, out, n);
    case kRelu:
      // Math.max(x, 0): NaN stays NaN and -0 becomes +0.
      return map1(x, out, n, [](vf v) { return vselect((v > vzero()) | isnan(v), v, vzero()); });
    case kLeakyRelu:
      return for_ranges(n, kMinElemsPerTask, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) {
          // Both sides computed, then selected: a branch-free loop vectorises.
          const float v = x[i];
          const float neg = static_cast<float>(slope * static_cast<double>(v));
          out[i] = v > 0.0f ? v : neg;
        }
      });
    case kTanh: return map1(x, out, n, [](vf v) { return vtanh(v); }, kMinMathPerTask);
    case kAtan: return map1(x, out, n, [](vf v) { return vatan(v); }, kMinMathPerTask);
    case kSigmoid: return map1(x, out, n, [](vf v) { return vsigmoid(v); }, kMinMathPerTask);
  }
}

void activation_grad(int kind, const float* x, const float* y, const float* dy, float* dx, int64_t n,
                     double slope) {
  auto run = [&](auto f) {
    for_ranges(n, kMinElemsPerTask, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) dx[i] = f(i);
    });
  };
  switch (kind) {
    case kIdentity: return copy(dy, dx, n);
    case kRelu: return run([&](int64_t i) { return x[i] > 0.0f ? dy[i] : 0.0f; });
    case kLeakyRelu:
      return run([&](int64_t i) {
        return x[i] > 0.0f ? dy[i] : static_cast<float>(slope * static_cast<double>(dy[i]));
      });
    case kTanh:
      return run([&](int64_t i) {
        const double yi = y[i];
        return static_cast<float>(static_cast<double>(dy[i]) * (1.0 - yi * yi));
      });
    case kAtan:
      return run([&](int64_t i) {
        const double xi = x[i];
        return static_cast<float>(static_cast<double>(dy[i]) / (1.0 + xi * xi));
      });
    case kSigmoid:
      return run([&](int64_t i) {
        const double yi = y[i];
        return static_cast<float>(static_cast<double>(dy[i]) * yi * (1.0 - yi));
      });
  }
}

void sum_axis(const float* x, float* out, int64_t outer, int64_t len, int64_t inner, bool accumulate) {
  if (outer <= 0 || inner <= 0) return;
  if (inner == 1) {
    // One long sum per output: 8 double partial sums (lane l takes j = l mod 8), then a fixed
    // tree. The order depends on len only.
    const int64_t per_task = std::max<int64_t>(1, kMinElemsPerTask / std::max<int64_t>(len, 1));
    parallel_for(outer, 1, tasks_for(outer, per_task), [&](int64_t o0, int64_t o1) {
      for (int64_t o = o0; o < o1; ++o) {
        const float* xs = x + o * len;
        double lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        int64_t j = 0;
        for (; j + 8 <= len; j += 8)
          for (int l = 0; l < 8; ++l) lanes[l] += static_cast<double>(xs[j + l]);
        for (; j < len; ++j) lanes[j & 7] += static_cast<double>(xs[j]);
        const double s = ((lanes[0] + lanes[4]) + (lanes[2] + lanes[6])) +
                         ((lanes[1] + lanes[5]) + (lanes[3] + lanes[7]));
        out[o] = static_cast<float>(accumulate ? static_cast<double>(out[o]) + s : s);
      }
    });
    return;
  }
  // Column sums: each output column accumulates its len values in order (as the reference does),
  // in double, 64 columns at a time so the partial sums stay in registers.
  constexpr int64_t kCols = 64;
  const int64_t chunks = (inner + kCols - 1) / kCols;
  const int64_t per_task = std::max<int64_t>(1, kMinElemsPerTask / std::max<int64_t>(len * kCols, 1));
  parallel_for(outer * chunks, 1, tasks_for(outer * chunks, per_task), [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t o = t / chunks, i0 = (t % chunks) * kCols;
      const int64_t cols = std::min(kCols, inner - i0);
      double acc[kCols];
      for (int64_t i = 0; i < cols; ++i) acc[i] = 0.0;
      const float* base = x + o * len * inner + i0;
      for (int64_t j = 0; j < len; ++j) {
        const float* row = base + j * inner;
        for (int64_t i = 0; i < cols; ++i) acc[i] += static_cast<double>(row[i]);
      }
      float* dst = out + o * inner + i0;
      if (accumulate)
        for (int64_t i = 0; i < cols; ++i) dst[i] = static_cast<float>(static_cast<double>(dst[i]) + acc[i]);
      else
        for (int64_t i = 0; i < cols; ++i) dst[i] = static_cast<float>(acc[i]);
    }
  });
}

double sum_squares(const float* x, int64_t n) {
  // A float's square is exact in double; 16 partial sums (lane l takes i = l mod 16) and a fixed
  // tree. Single-threaded on purpose: the summation order must not depend on the thread count.
  double lanes[16] = {};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int l = 0; l < 16; ++l) {
      const double v = x[i + l];
      lanes[l] += v * v;
    }
  for (; i < n; ++i) {
    const double v = x[i];
    lanes[i & 15] += v * v;
  }
  for (int w = 8; w >= 1; w /= 2)
    for (int l = 0; l < w; ++l) lanes[l] += lanes[l + w];
  return lanes[0];
}

#if defined(GT_AVX512)
namespace {

/**
 * Adam on 8 parameters at a time in double lanes. Two changes from the reference's expression
 * make it stream at memory speed instead of waiting on the double divider: `m / c1` and `v / c2`
 * become products with 1/c1 and 1/c2 (one double rounding apart, invisible after rounding to
 * float32 except in a rare tie), leaving one division and one square root per element.
 */
template <bool Tail>
inline void adam8(float* p, const float* g, float* m, float* v, int64_t i, int rem, __m512d b1, __m512d b2,
                  __m512d omb1, __m512d omb2, __m512d inv_c1, __m512d inv_c2, __m512d lr, __m512d eps) {
  // Masked memory operations are slow on some cores: only the tail uses them.
  const __mmask8 k = Tail ? static_cast<__mmask8>((1u << rem) - 1u) : static_cast<__mmask8>(0xff);
  auto load = [&](const float* x) {
    return _mm512_cvtps_pd(Tail ? _mm256_maskz_loadu_ps(k, x + i) : _mm256_loadu_ps(x + i));
  };
  auto store = [&](float* x, __m512d val) {
    if (Tail) _mm256_mask_storeu_ps(x + i, k, _mm512_cvtpd_ps(val));
    else _mm256_storeu_ps(x + i, _mm512_cvtpd_ps(val));
  };
  const __m512d gi = load(g);
  // The moments exactly as the reference rounds them (separate products, no FMA).
  const __m512d mi = _mm512_add_pd(_mm512_mul_pd(b1, load(m)), _mm512_mul_pd(omb1, gi));
  const __m512d vi = _mm512_add_pd(_mm512_mul_pd(b2, load(v)), _mm512_mul_pd(_mm512_mul_pd(omb2, gi), gi));
  store(m, mi);
  store(v, vi);
  const __m512d den = _mm512_add_pd(_mm512_sqrt_pd(_mm512_mul_pd(vi, inv_c2)), eps);
  const __m512d step = _mm512_div_pd(_mm512_mul_pd(lr, _mm512_mul_pd(mi, inv_c1)), den);
  store(p, _mm512_sub_pd(load(p), step));
}

void adam_avx512(float* p, const float* g, float* m, float* v, int64_t b, int64_t e, double lr, double beta1,
                 double beta2, double eps, double c1, double c2) {
  const __m512d b1 = _mm512_set1_pd(beta1), b2 = _mm512_set1_pd(beta2);
  const __m512d omb1 = _mm512_set1_pd(1.0 - beta1), omb2 = _mm512_set1_pd(1.0 - beta2);
  const __m512d inv_c1 = _mm512_set1_pd(1.0 / c1), inv_c2 = _mm512_set1_pd(1.0 / c2);
  const __m512d vlr = _mm512_set1_pd(lr), veps = _mm512_set1_pd(eps);
  int64_t i = b;
  for (; i + 8 <= e; i += 8) adam8<false>(p, g, m, v, i, 8, b1, b2, omb1, omb2, inv_c1, inv_c2, vlr, veps);
  if (i < e) adam8<true>(p, g, m, v, i, static_cast<int>(e - i), b1, b2, omb1, omb2, inv_c1, inv_c2, vlr, veps);
}

}  // namespace
#endif

void adam(float* p, const float* g, float* m, float* v, int64_t n, double lr, double beta1, double beta2,
          double eps, double c1, double c2) {
#if defined(GT_AVX512)
  {
    for_ranges(n, kMinAdamPerTask, [&](int64_t b, int64_t e) {
      adam_avx512(p, g, m, v, b, e, lr, beta1, beta2, eps, c1, c2);
    });
    return;
  }
#endif
  const double omb1 = 1.0 - beta1, omb2 = 1.0 - beta2;
  const double inv_c1 = 1.0 / c1, inv_c2 = 1.0 / c2;
  for_ranges(n, kMinAdamPerTask, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const double gi = g[i];
      const double mi = beta1 * static_cast<double>(m[i]) + omb1 * gi;
      const double vi = beta2 * static_cast<double>(v[i]) + omb2 * gi * gi;
      m[i] = static_cast<float>(mi);
      v[i] = static_cast<float>(vi);
      // The unrounded moments feed the step, as in the reference; the bias corrections are
      // products with 1/c1 and 1/c2, as in adam8, so that every variant gives the same bits.
      p[i] = static_cast<float>(static_cast<double>(p[i]) - (lr * (mi * inv_c1)) / (std::sqrt(vi * inv_c2) + eps));
    }
  });
}

void sgd(float* p, const float* g, float* buf, int64_t n, double lr, double momentum, bool nesterov) {
  if (buf == nullptr || momentum == 0.0) {
    for_ranges(n, kMinElemsPerTask, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i)
        p[i] = static_cast<float>(static_cast<double>(p[i]) - lr * static_cast<double>(g[i]));
    });
    return;
  }
  for_ranges(n, kMinElemsPerTask, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const double gi = g[i];
      const double bi = momentum * static_cast<double>(buf[i]) + gi;
      buf[i] = static_cast<float>(bi);
      const double step = nesterov ? gi + momentum * bi : bi;
      p[i] = static_cast<float>(static_cast<double>(p[i]) - lr * step);
    }
  });
}

}  // namespace gt
