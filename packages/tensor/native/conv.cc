// Convolution layout kernels (im2col, col2im, swapAxes) and the per-channel statistics of batch
// normalisation (channelMoments, channelSums, channelAffine).
//
// Exactness: each of them gives the reference backend's bits (src/backends/reference.ts).
//   - im2col and swapAxes only copy.
//   - col2im adds every contribution to a pixel in the reference's order (ci, ky, kx, b, oy, ox),
//     as float32 adds: a task owns whole (b, ci) planes and runs ky, kx, oy, ox inside, in that
//     order. Vector lanes add different pixels, never two terms of one pixel.
//   - channelMoments and channelSums accumulate each channel in float64 in the reference's order
//     (sample i, then position k), one sequential chain per channel. A thread handles a group of
//     channels at once, so the chains of different channels overlap in the pipeline instead of
//     each waiting on the latency of the previous add; no chain is ever split or reordered.
//   - channelAffine computes `a·sa + b·sb + t` in float64 lanes and rounds once to float32, as the
//     reference (JavaScript numbers) does. Both products are exact in float64 (24-bit by 24-bit
//     significands), so the sum is the only rounding before the store.
//
// Threads: the work is split by outputs (im2col and swapAxes by output rows, col2im by image
// planes, the statistics by channels, channelAffine by rows), so no result depends on the number
// of threads.
#include <algorithm>
#include <cstring>
#include <type_traits>

#include "kernels.h"
#include "pool.h"
#include "simd.h"

namespace gt {
namespace {

// Work a task must have before a second thread pays off (handing over a job costs 1.5-3 µs, see
// elementwise.cc). Copies and float32 adds stream several floats per nanosecond: 32K per task.
constexpr int64_t kMinElemsPerTask = 1 << 15;
// A float64 chain per channel adds about one value per nanosecond: 8K per task.
constexpr int64_t kMinSumsPerTask = 1 << 13;
// Channels whose float64 chains one thread runs side by side (registers for the partial sums).
constexpr int kGroup = 8;

/**
 * The output positions o in [0, out_len) whose input index `o·stride + offset` falls inside
 * [0, in_len), as the range [lo, hi) (stride >= 1).
 */
inline void valid_range(int64_t out_len, int64_t stride, int64_t offset, int64_t in_len, int64_t& lo,
                        int64_t& hi) {
  lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  hi = in_len - offset <= 0 ? 0 : (in_len - offset + stride - 1) / stride;
  lo = std::min(lo, out_len);
  hi = std::max(lo, std::min(hi, out_len));
}

inline void zero(float* d, int64_t n) {
  for (int64_t j = 0; j < n; ++j) d[j] = 0.0f;
}

/** d[j] = s[j]. Rows are short here (7 to 28 floats): inline vectors rather than a memcpy call. */
inline void copy_row(const float* s, float* d, int64_t n) {
  int64_t j = 0;
  for (; j + W <= n; j += W) vstore(d + j, vload(s + j));
  if (j < n) vstoren(d + j, vloadn(s + j, static_cast<int>(n - j)), static_cast<int>(n - j));
}

/** d[j] = s[j·stride] for j < n; reads no further than s[(n-1)·stride]. */
inline void gather_row(const float* s, int64_t stride, float* d, int64_t n) {
  if (stride == 1) return copy_row(s, d, n);
  int64_t j = 0;
  if (stride == 2) {
    // Even lanes of two consecutive vectors. Loads are masked to the 2m-1 floats the m outputs
    // need, so the last row of an image never reads past its end.
#if defined(GT_AVX512)
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    for (; j < n; j += 16) {
      const int m = static_cast<int>(std::min<int64_t>(16, n - j));
      const int need = 2 * m - 1;
      const __m512 lo = _mm512_maskz_loadu_ps(tail_mask(std::min(need, 16)), s + 2 * j);
      const __m512 hi = need > 16 ? _mm512_maskz_loadu_ps(tail_mask(need - 16), s + 2 * j + 16)
                                  : _mm512_setzero_ps();
      const __m512 v = _mm512_permutex2var_ps(lo, even, hi);
      if (m == 16) _mm512_storeu_ps(d + j, v);
      else _mm512_mask_storeu_ps(d + j, tail_mask(m), v);
    }
    return;
#elif defined(GT_AVX2)
    for (; j < n; j += 8) {
      const int m = static_cast<int>(std::min<int64_t>(8, n - j));
      const int need = 2 * m - 1;
      const __m256 lo = _mm256_maskload_ps(s + 2 * j, tail_mask(need));
      const __m256 hi = _mm256_maskload_ps(s + 2 * j + 8, tail_mask(need - 8));
      // [lo0 lo2 hi0 hi2 | lo4 lo6 hi4 hi6], then the 64-bit pairs in the order 0 2 1 3.
      const __m256 t = _mm256_shuffle_ps(lo, hi, 0x88);
      const __m256 v = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(t), 0xD8));
      if (m == 8) _mm256_storeu_ps(d + j, v);
      else _mm256_maskstore_ps(d + j, tail_mask(m), v);
    }
    return;
#endif
  }
  for (; j < n; ++j) d[j] = s[j * stride];
}

/** d[j·stride] += s[j] for j < n, float32 adds. */
inline void scatter_add_row(const float* s, float* d, int64_t stride, int64_t n) {
  int64_t j = 0;
  if (stride == 1) {
    for (; j + W <= n; j += W) vstore(d + j, vload(d + j) + vload(s + j));
    if (j < n) {
      const int t = static_cast<int>(n - j);
      vstoren(d + j, vloadn(d + j, t) + vloadn(s + j, t), t);
    }
    return;
  }
  for (; j < n; ++j) d[j * stride] += s[j];
}

// ---------------------------------------------------------------------------------------------
// Float64 lanes for channelAffine: DW floats widened to doubles, the arithmetic, one rounding back.

#if defined(GT_AVX512)
constexpr int DW = 8;
struct vd { __m512d v; };
inline vd dload(const float* p) { return {_mm512_cvtps_pd(_mm256_loadu_ps(p))}; }
inline void dstore(float* p, vd a) { _mm256_storeu_ps(p, _mm512_cvtpd_ps(a.v)); }
inline vd dset(double x) { return {_mm512_set1_pd(x)}; }
inline vd operator+(vd a, vd b) { return {_mm512_add_pd(a.v, b.v)}; }
inline vd operator*(vd a, vd b) { return {_mm512_mul_pd(a.v, b.v)}; }
#elif defined(GT_AVX2)
constexpr int DW = 4;
struct vd { __m256d v; };
inline vd dload(const float* p) { return {_mm256_cvtps_pd(_mm_loadu_ps(p))}; }
inline void dstore(float* p, vd a) { _mm_storeu_ps(p, _mm256_cvtpd_ps(a.v)); }
inline vd dset(double x) { return {_mm256_set1_pd(x)}; }
inline vd operator+(vd a, vd b) { return {_mm256_add_pd(a.v, b.v)}; }
inline vd operator*(vd a, vd b) { return {_mm256_mul_pd(a.v, b.v)}; }
#else
constexpr int DW = 1;
struct vd { double v; };
inline vd dload(const float* p) { return {static_cast<double>(*p)}; }
inline void dstore(float* p, vd a) { *p = static_cast<float>(a.v); }
inline vd dset(double x) { return {x}; }
inline vd operator+(vd a, vd b) { return {a.v + b.v}; }
inline vd operator*(vd a, vd b) { return {a.v * b.v}; }
#endif

/**
 * out[k] = a[k]·fa + b[k]·fb + t over one row with the same coefficients (no b term unless HasB).
 * The tail runs the same float64 operations one element at a time.
 */
template <bool HasB>
void affine_row(const float* a, const float* b, float* out, int64_t len, double fa, double fb, double t) {
  const vd va = dset(fa), vb = dset(fb), vt = dset(t);
  int64_t k = 0;
  for (; k + DW <= len; k += DW) {
    vd r = dload(a + k) * va;
    if (HasB) r = r + dload(b + k) * vb;
    dstore(out + k, r + vt);
  }
  for (; k < len; ++k) {
    double r = static_cast<double>(a[k]) * fa;
    if (HasB) r = r + static_cast<double>(b[k]) * fb;
    out[k] = static_cast<float>(r + t);
  }
}

/** The same with one coefficient per element (a [n, c, 1] batch: a row runs across channels). */
template <bool HasB>
void affine_row_per_channel(const float* a, const float* b, float* out, int64_t len, const float* sa,
                            const float* sb, const float* shift) {
  int64_t k = 0;
  for (; k + DW <= len; k += DW) {
    vd r = dload(a + k) * dload(sa + k);
    if (HasB) r = r + dload(b + k) * dload(sb + k);
    dstore(out + k, r + dload(shift + k));
  }
  for (; k < len; ++k) {
    double r = static_cast<double>(a[k]) * static_cast<double>(sa[k]);
    if (HasB) r = r + static_cast<double>(b[k]) * static_cast<double>(sb[k]);
    out[k] = static_cast<float>(r + static_cast<double>(shift[k]));
  }
}

// ---------------------------------------------------------------------------------------------
// Per-channel float64 chains, G channels at a time (channels ch .. ch+G-1, G <= kGroup).

template <int G>
void moments_group(const float* x, int64_t n, int64_t c, int64_t s, int64_t ch, float* mean,
                   float* variance) {
  const double count = static_cast<double>(n * s);
  double sum[G], mu[G], sq[G];
#pragma GCC unroll 8
  for (int g = 0; g < G; ++g) sum[g] = 0.0, sq[g] = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const float* row = x + (i * c + ch) * s;
    for (int64_t k = 0; k < s; ++k)
#pragma GCC unroll 8
      for (int g = 0; g < G; ++g) sum[g] += static_cast<double>(row[g * s + k]);
  }
#pragma GCC unroll 8
  for (int g = 0; g < G; ++g) mu[g] = sum[g] / count;
  for (int64_t i = 0; i < n; ++i) {
    const float* row = x + (i * c + ch) * s;
    for (int64_t k = 0; k < s; ++k)
#pragma GCC unroll 8
      for (int g = 0; g < G; ++g) {
        const double d = static_cast<double>(row[g * s + k]) - mu[g];
        sq[g] += d * d;
      }
  }
#pragma GCC unroll 8
  for (int g = 0; g < G; ++g) {
    mean[ch + g] = static_cast<float>(mu[g]);
    variance[ch + g] = static_cast<float>(sq[g] / count);
  }
}

template <int G, bool HasB>
void sums_group(const float* a, const float* b, int64_t n, int64_t c, int64_t s, int64_t ch, float* sum_a,
                float* sum_ab) {
  double sa[G], sab[G];
#pragma GCC unroll 8
  for (int g = 0; g < G; ++g) sa[g] = 0.0, sab[g] = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t o = (i * c + ch) * s;
    for (int64_t k = 0; k < s; ++k)
#pragma GCC unroll 8
      for (int g = 0; g < G; ++g) {
        const double v = a[o + g * s + k];
        sa[g] += v;
        if (HasB) sab[g] += v * static_cast<double>(b[o + g * s + k]);
      }
  }
#pragma GCC unroll 8
  for (int g = 0; g < G; ++g) {
    sum_a[ch + g] = static_cast<float>(sa[g]);
    if (HasB && sum_ab != nullptr) sum_ab[ch + g] = static_cast<float>(sab[g]);
  }
}

/** Calls f(std::integral_constant<int, G>) with G = count (1 .. kGroup). */
template <class F>
void with_group(int64_t count, F&& f) {
  switch (count) {
    case 1: return f(std::integral_constant<int, 1>());
    case 2: return f(std::integral_constant<int, 2>());
    case 3: return f(std::integral_constant<int, 3>());
    case 4: return f(std::integral_constant<int, 4>());
    case 5: return f(std::integral_constant<int, 5>());
    case 6: return f(std::integral_constant<int, 6>());
    case 7: return f(std::integral_constant<int, 7>());
    default: return f(std::integral_constant<int, kGroup>());
  }
}

/** body(ch, count) over groups of at most kGroup channels, split across threads by channels. */
template <class Body>
void for_channel_groups(int64_t c, int64_t work, Body&& body) {
  parallel_for(c, kGroup, tasks_for(work, kMinSumsPerTask), [&](int64_t c0, int64_t c1) {
    for (int64_t ch = c0; ch < c1; ch += kGroup) body(ch, std::min<int64_t>(kGroup, c1 - ch));
  });
}

}  // namespace

void im2col(const float* x, float* cols, int64_t n, int64_t c, int64_t h, int64_t w, int64_t kh, int64_t kw,
            int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t oh, int64_t ow) {
  // Unit u = r·n + b (cols row r, image b) writes the oh·ow contiguous floats at cols[u·oh·ow].
  const int64_t units = c * kh * kw * n, plane = oh * ow;
  if (units == 0 || plane == 0) return;
  parallel_for(units, 1, tasks_for(units * plane, kMinElemsPerTask), [&](int64_t u0, int64_t u1) {
    for (int64_t u = u0; u < u1; ++u) {
      const int64_t r = u / n, b = u % n;
      const int64_t kx = r % kw, ky = r / kw % kh, ci = r / (kw * kh);
      const float* src = x + (b * c + ci) * h * w;
      float* dst = cols + u * plane;
      int64_t oy0, oy1, ox0, ox1;
      valid_range(oh, sh, ky - ph, h, oy0, oy1);
      valid_range(ow, sw, kx - pw, w, ox0, ox1);
      zero(dst, oy0 * ow);
      for (int64_t oy = oy0; oy < oy1; ++oy) {
        float* d = dst + oy * ow;
        zero(d, ox0);
        if (ox1 > ox0) gather_row(src + (oy * sh - ph + ky) * w + (ox0 * sw - pw + kx), sw, d + ox0, ox1 - ox0);
        zero(d + ox1, ow - ox1);
      }
      zero(dst + oy1 * ow, (oh - oy1) * ow);
    }
  });
}

void col2im(const float* cols, float* x, int64_t n, int64_t c, int64_t h, int64_t w, int64_t kh, int64_t kw,
            int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t oh, int64_t ow, bool accumulate) {
  const int64_t planes = n * c, hw = h * w, plane = oh * ow, ncols = n * plane;
  if (planes == 0 || hw == 0) return;
  const int64_t work = planes * std::max(hw, kh * kw * plane);
  parallel_for(planes, 1, tasks_for(work, kMinElemsPerTask), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const int64_t b = p / c, ci = p % c;
      float* xp = x + p * hw;
      if (!accumulate) zero(xp, hw);
      for (int64_t ky = 0; ky < kh; ++ky) {
        int64_t oy0, oy1;
        valid_range(oh, sh, ky - ph, h, oy0, oy1);
        for (int64_t kx = 0; kx < kw; ++kx) {
          int64_t ox0, ox1;
          valid_range(ow, sw, kx - pw, w, ox0, ox1);
          if (ox1 == ox0) continue;
          const float* src = cols + ((ci * kh + ky) * kw + kx) * ncols + b * plane;
          for (int64_t oy = oy0; oy < oy1; ++oy)
            scatter_add_row(src + oy * ow + ox0, xp + (oy * sh - ph + ky) * w + (ox0 * sw - pw + kx), sw,
                            ox1 - ox0);
        }
      }
    }
  });
}

void swap_axes(const float* x, float* out, int64_t a, int64_t b, int64_t inner) {
  const int64_t total = a * b * inner;
  if (total == 0) return;
  if (a == 1 || b == 1) {
    std::memcpy(out, x, sizeof(float) * static_cast<size_t>(total));
    return;
  }
  const int tasks = tasks_for(total, kMinElemsPerTask);
  if (inner >= 8) {
    // Output block (j, i) is input block (i, j): one copy of `inner` floats each.
    parallel_for(a * b, 1, tasks, [&](int64_t u0, int64_t u1) {
      for (int64_t u = u0; u < u1; ++u) {
        const int64_t j = u / a, i = u % a;
        copy_row(x + (i * b + j) * inner, out + u * inner, inner);
      }
    });
    return;
  }
  // Short blocks: tiles of 16 output rows j, so the reads of one input row i stay together.
  constexpr int64_t kTile = 16;
  parallel_for(b, kTile, tasks, [&](int64_t j0, int64_t j1) {
    for (int64_t jt = j0; jt < j1; jt += kTile) {
      const int64_t je = std::min(j1, jt + kTile);
      int64_t i = 0;
#if defined(GT_AVX512) || defined(GT_AVX2)
      if (inner == 1 && je - jt == kTile) {
        // A plain transpose: 8 x 8 blocks in registers.
        for (; i + 8 <= a; i += 8)
          for (int64_t j = jt; j < je; j += 8) transpose8x8(x + i * b + j, b, out + j * a + i, a);
      }
#endif
      for (; i < a; ++i)
        for (int64_t j = jt; j < je; ++j)
          for (int64_t k = 0; k < inner; ++k) out[(j * a + i) * inner + k] = x[(i * b + j) * inner + k];
    }
  });
}

void channel_moments(const float* x, float* mean, float* variance, int64_t n, int64_t c, int64_t s) {
  for_channel_groups(c, n * c * s, [&](int64_t ch, int64_t count) {
    with_group(count, [&](auto g) { moments_group<decltype(g)::value>(x, n, c, s, ch, mean, variance); });
  });
}

void channel_sums(const float* a, const float* b, float* sum_a, float* sum_ab, int64_t n, int64_t c,
                  int64_t s) {
  for_channel_groups(c, n * c * s, [&](int64_t ch, int64_t count) {
    with_group(count, [&](auto g) {
      constexpr int G = decltype(g)::value;
      if (b != nullptr) sums_group<G, true>(a, b, n, c, s, ch, sum_a, sum_ab);
      else sums_group<G, false>(a, nullptr, n, c, s, ch, sum_a, nullptr);
    });
  });
}

void channel_affine(const float* a, const float* sa, const float* b, const float* sb, const float* shift,
                    float* out, int64_t n, int64_t c, int64_t s) {
  const int64_t total = n * c * s;
  if (total == 0) return;
  const int tasks = tasks_for(total, kMinElemsPerTask);
  if (s == 1) {
    // [n, c, 1]: rows of c values, one coefficient per value.
    parallel_for(n, 1, tasks, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) {
        const int64_t o = i * c;
        if (b != nullptr) affine_row_per_channel<true>(a + o, b + o, out + o, c, sa, sb, shift);
        else affine_row_per_channel<false>(a + o, nullptr, out + o, c, sa, nullptr, shift);
      }
    });
    return;
  }
  // Rows (i, ch) of s values with the channel's coefficients.
  parallel_for(n * c, 1, tasks, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t ch = r % c, o = r * s;
      const double fa = sa[ch], t = shift[ch];
      if (b != nullptr) affine_row<true>(a + o, b + o, out + o, s, fa, static_cast<double>(sb[ch]), t);
      else affine_row<false>(a + o, nullptr, out + o, s, fa, 0.0, t);
    }
  });
}

}  // namespace gt
