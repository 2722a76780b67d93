// Convolution layout kernels (im2col, col2im, swapAxes) and the per-channel statistics of batch
// normalisation (channelMoments, channelSums, channelAffine).
//
// Exactness: each of them gives the reference backend's bits (src/backends/reference.ts).
//   - im2col and swapAxes only copy.
//   - col2im adds every contribution to a pixel in the reference's order (ci, ky, kx, b, oy, ox),
//     as float32 adds: a task owns whole (b, ci) planes and runs ky, kx, then its images b, then
//     oy, ox, so each pixel gets its terms in the order ky, kx (oy and ox follow from them).
//     Vector lanes add to different pixels, never two terms of one pixel.
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
#include <vector>

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

// ---------------------------------------------------------------------------------------------
// Rows of im2col and col2im. Output lane j of a row is input column ix0 + j·stride of an image
// row; columns outside [0, w) are the zero padding. For strides 1 and 2 with vectors, masked loads
// do the padding: a masked-off lane reads nothing (not even past the ends of the image, which
// `row + start` may point to) and holds 0. Other strides, and the baseline build, use loops over
// the valid range.

/** Generic im2col row: d[j] = row[ix0 + j·stride] for j in [ox0, ox1) (the valid range), else 0. */
inline void im2col_row_loop(const float* row, int64_t ix0, int64_t stride, int64_t ox0, int64_t ox1, float* d,
                            int64_t ow) {
  zero(d, ox0);
  const float* s = row + ix0 + ox0 * stride;
  if (stride == 1) copy_row(s, d + ox0, ox1 - ox0);
  else
    for (int64_t j = ox0; j < ox1; ++j) d[j] = s[(j - ox0) * stride];
  zero(d + ox1, ow - ox1);
}

/** Generic col2im row: row[ix0 + j·stride] += s[j] for j in [ox0, ox1), float32 adds. */
inline void col2im_row_loop(const float* s, float* row, int64_t ix0, int64_t stride, int64_t ox0,
                            int64_t ox1) {
  float* d = row + ix0 + ox0 * stride;
  if (stride == 1) {
    const int64_t n = ox1 - ox0;
    const float* src = s + ox0;
    int64_t j = 0;
    for (; j + W <= n; j += W) vstore(d + j, vload(d + j) + vload(src + j));
    if (j < n) {
      const int t = static_cast<int>(n - j);
      vstoren(d + j, vloadn(d + j, t) + vloadn(src + j, t), t);
    }
    return;
  }
  for (int64_t j = ox0; j < ox1; ++j) d[(j - ox0) * stride] += s[j];
}

// The vector rows work on blocks of up to L outputs; a block's masks depend on the kernel column
// only, so callers compute them once per cols row (`row_masks`) for the first block.
#if defined(GT_AVX512)
constexpr bool kVectorRows = true;
constexpr int64_t L = 16;

/** Bits l of [lo, hi) within 32 lanes. */
inline uint32_t lane_bits(int64_t lo, int64_t hi) {
  lo = std::max<int64_t>(lo, 0);
  hi = std::min<int64_t>(hi, 32);
  if (hi <= lo) return 0;
  const uint32_t below_hi = hi == 32 ? 0xffffffffu : (1u << hi) - 1u;
  return below_hi & ~((1u << lo) - 1u);
}

/** Input lanes [0, 16) and [16, 32) (stride 2) a block reads or adds to, and its m output lanes. */
struct RowMasks {
  __mmask16 lo, hi, out;
};

/**
 * Masks of the block of m outputs whose first reads image column `start`: the input lanes of
 * its outputs inside [0, w) (only the ones that outputs land on: the even lanes for stride 2).
 */
template <int S>
inline RowMasks row_masks(int64_t start, int64_t m, int64_t w) {
  uint32_t bits = lane_bits(-start, std::min(S * (m - 1) + 1, w - start));
  if (S == 2) bits &= 0x55555555u;
  return {static_cast<__mmask16>(bits), static_cast<__mmask16>(bits >> 16), tail_mask(static_cast<int>(m))};
}

/** im2col block: lane j = p[S·j] where the masks allow, else 0 (the padding). */
template <int S>
inline __m512 gather_block(const float* p, const RowMasks& k) {
  __m512 v = _mm512_maskz_loadu_ps(k.lo, p);
  if (S == 2) {
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    v = _mm512_permutex2var_ps(v, even, k.hi != 0 ? _mm512_maskz_loadu_ps(k.hi, p + 16) : _mm512_setzero_ps());
  }
  return v;
}

/** col2im block: p[S·j] += s[j] where the masks allow, float32 adds. */
template <int S>
inline void scatter_add_block(const float* s, float* p, const RowMasks& k) {
  if (S == 1) {
    _mm512_mask_storeu_ps(p, k.lo, _mm512_add_ps(_mm512_maskz_loadu_ps(k.lo, p), _mm512_maskz_loadu_ps(k.lo, s)));
    return;
  }
  const __m512 c = _mm512_maskz_loadu_ps(k.out, s);
  const __m512i lo = _mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
  _mm512_mask_storeu_ps(p, k.lo, _mm512_add_ps(_mm512_maskz_loadu_ps(k.lo, p), _mm512_permutexvar_ps(lo, c)));
  if (k.hi != 0) {
    const __m512i hi = _mm512_setr_epi32(8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15);
    _mm512_mask_storeu_ps(p + 16, k.hi,
                          _mm512_add_ps(_mm512_maskz_loadu_ps(k.hi, p + 16), _mm512_permutexvar_ps(hi, c)));
  }
}

/** Stores the block's m lanes, or all 16 when they stay before `end` (a later row rewrites them). */
inline void store_block(float* d, __m512 v, const RowMasks& k, const float* end) {
  if (d + 16 <= end) _mm512_storeu_ps(d, v);
  else _mm512_mask_storeu_ps(d, k.out, v);
}

// Rows of at most 8 outputs (a 7 x 7 output plane, for one): two rows per permute and per store.
constexpr bool kNarrowUnits = true;

/** The permutation that puts row a's outputs (lanes S·j) then row b's (16 + S·j) side by side. */
template <int S>
inline __m512i pair_index(int64_t ow) {
  alignas(64) int32_t idx[16] = {};
  for (int64_t j = 0; j < ow; ++j) {
    idx[j] = static_cast<int32_t>(S * j);
    idx[ow + j] = static_cast<int32_t>(16 + S * j);
  }
  return _mm512_load_si512(idx);
}

/** The permutations that spread outputs j (row a) and ow + j (row b) to input lanes S·j. */
template <int S>
inline void spread_index(int64_t ow, __m512i& a, __m512i& b) {
  alignas(64) int32_t ia[16] = {}, ib[16] = {};
  for (int64_t j = 0; j < ow; ++j) {
    ia[S * j] = static_cast<int32_t>(j);
    ib[S * j] = static_cast<int32_t>(ow + j);
  }
  a = _mm512_load_si512(ia);
  b = _mm512_load_si512(ib);
}

/**
 * col2im of cols rows oy in [oy0, oy1) of one (ky, kx, b) into the plane xp, ow <= 8: two rows
 * per load of cols (they are adjacent there). `k` masks the input lanes that receive an output.
 */
inline void col2im_rows_narrow(const float* s, float* xp, int64_t iy0, int64_t sh, int64_t w, int64_t ix0,
                               int64_t oy0, int64_t oy1, int64_t ow, __mmask16 k, __m512i spread_a,
                               __m512i spread_b) {
  for (int64_t oy = oy0; oy < oy1; oy += 2) {
    const bool two = oy + 1 < oy1;
    const __m512 c = _mm512_maskz_loadu_ps(tail_mask(static_cast<int>(two ? 2 * ow : ow)), s + oy * ow);
    float* ra = xp + (iy0 + oy * sh) * w + ix0;
    _mm512_mask_storeu_ps(ra, k, _mm512_add_ps(_mm512_maskz_loadu_ps(k, ra), _mm512_permutexvar_ps(spread_a, c)));
    if (two) {
      float* rb = ra + sh * w;
      _mm512_mask_storeu_ps(rb, k, _mm512_add_ps(_mm512_maskz_loadu_ps(k, rb), _mm512_permutexvar_ps(spread_b, c)));
    }
  }
}

/**
 * A whole im2col unit (oh x ow outputs, ow <= 8) from the image plane `src`: rows two at a time.
 * `k` masks the input lanes a row reads (its columns inside the image); a row of padding gets a
 * zero mask, so it loads nothing and comes out as zeros.
 */
inline void im2col_unit_narrow(const float* src, int64_t iy0, int64_t sh, int64_t h, int64_t w, int64_t ix0,
                               int64_t oh, int64_t ow, __mmask16 k, __m512i pair, float* dst) {
  const float* end = dst + oh * ow;
  for (int64_t oy = 0; oy < oh; oy += 2) {
    const int64_t ia = iy0 + oy * sh, ib = ia + sh;
    const __mmask16 ka = ia >= 0 && ia < h ? k : 0;
    const __mmask16 kb = oy + 1 < oh && ib >= 0 && ib < h ? k : 0;
    const __m512 a = _mm512_maskz_loadu_ps(ka, src + ia * w + ix0);
    const __m512 b = _mm512_maskz_loadu_ps(kb, src + ib * w + ix0);
    const __m512 v = _mm512_permutex2var_ps(a, pair, b);
    float* d = dst + oy * ow;
    if (d + 16 <= end) _mm512_storeu_ps(d, v);
    else _mm512_mask_storeu_ps(d, tail_mask(static_cast<int>(end - d)), v);
  }
}

#elif defined(GT_AVX2)
constexpr bool kVectorRows = true;
constexpr bool kNarrowUnits = false;
constexpr int64_t L = 8;

/** Lanes l of [lo, hi) within 8, as a mask. */
inline __m256i lanes_between(int64_t lo, int64_t hi) {
  const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const int l = static_cast<int>(std::min<int64_t>(std::max<int64_t>(lo, 0), 8));
  const int h = static_cast<int>(std::min<int64_t>(std::max<int64_t>(hi, 0), 8));
  return _mm256_and_si256(_mm256_cmpgt_epi32(_mm256_set1_epi32(h), iota),
                          _mm256_cmpgt_epi32(iota, _mm256_set1_epi32(l - 1)));
}

struct RowMasks {
  __m256i lo, hi, out;
  bool has_hi;
};

template <int S>
inline RowMasks row_masks(int64_t start, int64_t m, int64_t w) {
  const int64_t l0 = -start, l1 = std::min(S * (m - 1) + 1, w - start);
  __m256i lo = lanes_between(l0, l1), hi = lanes_between(l0 - 8, l1 - 8);
  if (S == 2) {
    const __m256i even = _mm256_setr_epi32(-1, 0, -1, 0, -1, 0, -1, 0);
    lo = _mm256_and_si256(lo, even);
    hi = _mm256_and_si256(hi, even);
  }
  return {lo, hi, tail_mask(static_cast<int>(m)), S == 2 && l1 > 8};
}

template <int S>
inline __m256 gather_block(const float* p, const RowMasks& k) {
  __m256 v = _mm256_maskload_ps(p, k.lo);
  if (S == 2) {
    const __m256 v1 = k.has_hi ? _mm256_maskload_ps(p + 8, k.hi) : _mm256_setzero_ps();
    // [v0 v2 w0 w2 | v4 v6 w4 w6], then the 64-bit pairs in the order 0 2 1 3.
    const __m256 t = _mm256_shuffle_ps(v, v1, 0x88);
    v = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(t), 0xD8));
  }
  return v;
}

template <int S>
inline void scatter_add_block(const float* s, float* p, const RowMasks& k) {
  if (S == 1) {
    _mm256_maskstore_ps(p, k.lo, _mm256_add_ps(_mm256_maskload_ps(p, k.lo), _mm256_maskload_ps(s, k.lo)));
    return;
  }
  const __m256 c = _mm256_maskload_ps(s, k.out);
  _mm256_maskstore_ps(p, k.lo,
                      _mm256_add_ps(_mm256_maskload_ps(p, k.lo),
                                    _mm256_permutevar8x32_ps(c, _mm256_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3))));
  if (k.has_hi)
    _mm256_maskstore_ps(p + 8, k.hi,
                        _mm256_add_ps(_mm256_maskload_ps(p + 8, k.hi),
                                      _mm256_permutevar8x32_ps(c, _mm256_setr_epi32(4, 4, 5, 5, 6, 6, 7, 7))));
}

inline void store_block(float* d, __m256 v, const RowMasks& k, const float* end) {
  if (d + 8 <= end) _mm256_storeu_ps(d, v);
  else _mm256_maskstore_ps(d, k.out, v);
}

#else
constexpr bool kVectorRows = false;
constexpr bool kNarrowUnits = false;
constexpr int64_t L = 1;
struct RowMasks {};
template <int S>
inline RowMasks row_masks(int64_t, int64_t, int64_t) { return {}; }
#endif

#if defined(GT_AVX512) || defined(GT_AVX2)
/**
 * im2col row, stride S in {1, 2}: d[j] = row[ix0 + S·j] inside the image, else 0, for j < ow.
 * `first` holds the masks of the first block; d may be written up to `end`.
 */
template <int S>
inline void im2col_row(const float* row, int64_t ix0, int64_t w, float* d, int64_t ow, const RowMasks& first,
                       const float* end) {
  store_block(d, gather_block<S>(row + ix0, first), first, end);
  for (int64_t j = L; j < ow; j += L) {
    const RowMasks k = row_masks<S>(ix0 + S * j, std::min(L, ow - j), w);
    store_block(d + j, gather_block<S>(row + ix0 + S * j, k), k, end);
  }
}

/** col2im row, stride S in {1, 2}: row[ix0 + S·j] += s[j] inside the image, for j < ow. */
template <int S>
inline void col2im_row(const float* s, float* row, int64_t ix0, int64_t w, int64_t ow, const RowMasks& first) {
  scatter_add_block<S>(s, row + ix0, first);
  for (int64_t j = L; j < ow; j += L) {
    const RowMasks k = row_masks<S>(ix0 + S * j, std::min(L, ow - j), w);
    scatter_add_block<S>(s + j, row + ix0 + S * j, k);
  }
}
#else
template <int S>
inline void im2col_row(const float*, int64_t, int64_t, float*, int64_t, const RowMasks&, const float*) {}
template <int S>
inline void col2im_row(const float*, float*, int64_t, int64_t, int64_t, const RowMasks&) {}
#endif

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
  const bool vector_rows = kVectorRows && (sw == 1 || sw == 2);
  const bool narrow = kNarrowUnits && vector_rows && ow <= 8;
#if defined(GT_AVX512)
  const __m512i pair = narrow ? (sw == 1 ? pair_index<1>(ow) : pair_index<2>(ow)) : _mm512_setzero_si512();
#endif
  parallel_for(units, 1, tasks_for(units * plane, kMinElemsPerTask), [&](int64_t u0, int64_t u1) {
    // The units of one cols row share the kernel offset, so every range and mask.
    for (int64_t u = u0; u < u1;) {
      const int64_t r = u / n, b0 = u % n, b1 = std::min(n, b0 + (u1 - u));
      const int64_t kx = r % kw, ky = r / kw % kh, ci = r / (kw * kh), ix0 = kx - pw;
      int64_t oy0, oy1, ox0, ox1;
      valid_range(oh, sh, ky - ph, h, oy0, oy1);
      valid_range(ow, sw, ix0, w, ox0, ox1);
      const RowMasks first = sw == 1 ? row_masks<1>(ix0, std::min(L, ow), w) : row_masks<2>(ix0, std::min(L, ow), w);
#if defined(GT_AVX512)
      if (narrow) {
        for (int64_t b = b0; b < b1; ++b)
          im2col_unit_narrow(x + (b * c + ci) * h * w, ky - ph, sh, h, w, ix0, oh, ow, first.lo, pair,
                             cols + (r * n + b) * plane);
        u += b1 - b0;
        continue;
      }
#endif
      for (int64_t b = b0; b < b1; ++b) {
        const float* src = x + (b * c + ci) * h * w;
        float* dst = cols + (r * n + b) * plane;
        const float* end = dst + plane;
        zero(dst, oy0 * ow);
        for (int64_t oy = oy0; oy < oy1; ++oy) {
          const float* row = src + (oy * sh - ph + ky) * w;
          float* d = dst + oy * ow;
          if (vector_rows && sw == 1) im2col_row<1>(row, ix0, w, d, ow, first, end);
          else if (vector_rows) im2col_row<2>(row, ix0, w, d, ow, first, end);
          else im2col_row_loop(row, ix0, sw, ox0, ox1, d, ow);
        }
        zero(dst + oy1 * ow, (oh - oy1) * ow);
      }
      u += b1 - b0;
    }
  });
}

void col2im(const float* cols, float* x, int64_t n, int64_t c, int64_t h, int64_t w, int64_t kh, int64_t kw,
            int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t oh, int64_t ow, bool accumulate) {
  const int64_t hw = h * w, plane = oh * ow, ncols = n * plane;
  if (n * c == 0 || hw == 0) return;
  // The valid output ranges of each kernel row and column, computed once.
  std::vector<int64_t> ys(2 * static_cast<size_t>(kh)), xs(2 * static_cast<size_t>(kw));
  for (int64_t ky = 0; ky < kh; ++ky) valid_range(oh, sh, ky - ph, h, ys[2 * ky], ys[2 * ky + 1]);
  for (int64_t kx = 0; kx < kw; ++kx) valid_range(ow, sw, kx - pw, w, xs[2 * kx], xs[2 * kx + 1]);
  const bool vector_rows = kVectorRows && (sw == 1 || sw == 2);
  const bool narrow = kNarrowUnits && vector_rows && ow <= 8;
#if defined(GT_AVX512)
  __m512i spread_a = _mm512_setzero_si512(), spread_b = spread_a;
  if (narrow) {
    if (sw == 1) spread_index<1>(ow, spread_a, spread_b);
    else spread_index<2>(ow, spread_a, spread_b);
  }
#endif
  // Unit u = ci·n + b: image plane (b, ci). A task takes a run of units and, channel by channel,
  // reads cols in its own order (row (ci, ky, kx), then the images b of the run), so cols streams
  // through once while the run's planes stay in cache; each pixel still receives its terms in the
  // order ky, kx, oy, ox.
  const int64_t work = n * c * std::max(hw, kh * kw * plane);
  parallel_for(n * c, 1, tasks_for(work, kMinElemsPerTask), [&](int64_t u0, int64_t u1) {
    for (int64_t u = u0; u < u1;) {
      const int64_t ci = u / n, b0 = u % n, b1 = std::min(n, b0 + (u1 - u));
      if (!accumulate)
        for (int64_t b = b0; b < b1; ++b) zero(x + (b * c + ci) * hw, hw);
      for (int64_t ky = 0; ky < kh; ++ky) {
        const int64_t oy0 = ys[2 * ky], oy1 = ys[2 * ky + 1];
        for (int64_t kx = 0; kx < kw; ++kx) {
          const int64_t ox0 = xs[2 * kx], ox1 = xs[2 * kx + 1], ix0 = kx - pw;
          if (ox1 == ox0 || oy1 == oy0) continue;
          const RowMasks first =
              sw == 1 ? row_masks<1>(ix0, std::min(L, ow), w) : row_masks<2>(ix0, std::min(L, ow), w);
          const float* src = cols + ((ci * kh + ky) * kw + kx) * ncols;
#if defined(GT_AVX512)
          if (narrow) {
            for (int64_t b = b0; b < b1; ++b)
              col2im_rows_narrow(src + b * plane, x + (b * c + ci) * hw, ky - ph, sh, w, ix0, oy0, oy1, ow,
                                 first.lo, spread_a, spread_b);
            continue;
          }
#endif
          for (int64_t b = b0; b < b1; ++b) {
            float* xp = x + (b * c + ci) * hw;
            const float* sb = src + b * plane;
            for (int64_t oy = oy0; oy < oy1; ++oy) {
              const float* s = sb + oy * ow;
              float* row = xp + (oy * sh - ph + ky) * w;
              if (vector_rows && sw == 1) col2im_row<1>(s, row, ix0, w, ow, first);
              else if (vector_rows) col2im_row<2>(s, row, ix0, w, ow, first);
              else col2im_row_loop(s, row, ix0, sw, ox0, ox1);
            }
          }
        }
      }
      u += b1 - b0;
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
