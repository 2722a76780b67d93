// A thin SIMD layer over float lanes, so the GEMM micro-kernel and the vector maths are written
// once and compiled for each variant's instruction set (scripts/build-native.mjs): AVX-512
// (16 lanes), AVX2 + FMA (8 lanes) or plain scalar code (1 lane) on anything else.
//
// Every operation is lane-wise, and partial loads/stores (`loadn` / `storen`) run the very same
// arithmetic on the valid lanes. So the value computed for an element never depends on where it
// falls in a vector, which is what makes results independent of how work is split across threads.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

// The instruction set the code below is written for, from the compiler's flags. Every other file
// tests these two macros, never the compiler's own (__AVX2__ without __FMA__ is not enough, and
// the AVX-512 code uses DQ, BW and VL instructions besides F).
#if defined(__AVX512F__) && defined(__AVX512DQ__) && defined(__AVX512BW__) && defined(__AVX512VL__) && \
    defined(__AVX2__) && defined(__FMA__)
#define GT_AVX512 1
#elif defined(__AVX2__) && defined(__FMA__)
#define GT_AVX2 1
#endif

// The build names the instruction set each variant is for: flags that fall short are an error,
// not a variant that is silently scalar.
#if defined(GT_EXPECT_AVX512) && !defined(GT_AVX512)
#error "the avx512 variant needs AVX-512 F, DQ, BW, VL, AVX2 and FMA enabled by its compiler flags"
#endif
#if defined(GT_EXPECT_AVX2) && !defined(GT_AVX2)
#error "the avx2 variant needs AVX2 and FMA (and no AVX-512) enabled by its compiler flags"
#endif

#if defined(GT_AVX512) || defined(GT_AVX2)
#include <immintrin.h>
#endif

namespace gt {

#if defined(GT_AVX512)

constexpr int W = 16;
constexpr const char* kSimdName = "avx512";
struct vf { __m512 v; };
struct vi { __m512i v; };
struct vm { __mmask16 m; };

inline vf vzero() { return {_mm512_setzero_ps()}; }
inline vf vset(float x) { return {_mm512_set1_ps(x)}; }
inline vf vload(const float* p) { return {_mm512_loadu_ps(p)}; }
inline void vstore(float* p, vf a) { _mm512_storeu_ps(p, a.v); }
inline __mmask16 tail_mask(int n) { return static_cast<__mmask16>((1u << n) - 1u); }
/** Loads the first n (< W) lanes; the others are zero. */
inline vf vloadn(const float* p, int n) { return {_mm512_maskz_loadu_ps(tail_mask(n), p)}; }
inline void vstoren(float* p, vf a, int n) { _mm512_mask_storeu_ps(p, tail_mask(n), a.v); }
inline vf operator+(vf a, vf b) { return {_mm512_add_ps(a.v, b.v)}; }
inline vf operator-(vf a, vf b) { return {_mm512_sub_ps(a.v, b.v)}; }
inline vf operator*(vf a, vf b) { return {_mm512_mul_ps(a.v, b.v)}; }
inline vf operator/(vf a, vf b) { return {_mm512_div_ps(a.v, b.v)}; }
/** a*b + c with a single rounding. */
inline vf vfma(vf a, vf b, vf c) { return {_mm512_fmadd_ps(a.v, b.v, c.v)}; }
inline vf vmax(vf a, vf b) { return {_mm512_max_ps(a.v, b.v)}; }
inline vf vmin(vf a, vf b) { return {_mm512_min_ps(a.v, b.v)}; }
inline vf vabs(vf a) { return {_mm512_abs_ps(a.v)}; }
inline vf vand(vf a, vf b) { return {_mm512_and_ps(a.v, b.v)}; }
inline vf vxor(vf a, vf b) { return {_mm512_xor_ps(a.v, b.v)}; }
inline vf vor(vf a, vf b) { return {_mm512_or_ps(a.v, b.v)}; }
inline vf vsqrt(vf a) { return {_mm512_sqrt_ps(a.v)}; }
inline vf vfloor(vf a) { return {_mm512_roundscale_ps(a.v, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC)}; }
inline vm operator<(vf a, vf b) { return {_mm512_cmp_ps_mask(a.v, b.v, _CMP_LT_OQ)}; }
inline vm operator>(vf a, vf b) { return {_mm512_cmp_ps_mask(a.v, b.v, _CMP_GT_OQ)}; }
inline vm operator==(vf a, vf b) { return {_mm512_cmp_ps_mask(a.v, b.v, _CMP_EQ_OQ)}; }
inline vm isnan(vf a) { return {_mm512_cmp_ps_mask(a.v, a.v, _CMP_UNORD_Q)}; }
inline vm operator|(vm a, vm b) { return {static_cast<__mmask16>(a.m | b.m)}; }
/** m ? a : b, lane-wise. */
inline vf vselect(vm m, vf a, vf b) { return {_mm512_mask_blend_ps(m.m, b.v, a.v)}; }
inline vi vcvt_i(vf a) { return {_mm512_cvtps_epi32(a.v)}; }  // round to nearest
inline vf vcvt_f(vi a) { return {_mm512_cvtepi32_ps(a.v)}; }
inline vi vcast_i(vf a) { return {_mm512_castps_si512(a.v)}; }
inline vf vcast_f(vi a) { return {_mm512_castsi512_ps(a.v)}; }
inline vi vseti(int32_t x) { return {_mm512_set1_epi32(x)}; }
inline vi operator+(vi a, vi b) { return {_mm512_add_epi32(a.v, b.v)}; }
inline vi operator-(vi a, vi b) { return {_mm512_sub_epi32(a.v, b.v)}; }
inline vi operator&(vi a, vi b) { return {_mm512_and_si512(a.v, b.v)}; }
inline vi operator|(vi a, vi b) { return {_mm512_or_si512(a.v, b.v)}; }
inline vi vshl(vi a, int s) { return {_mm512_slli_epi32(a.v, static_cast<unsigned>(s))}; }
inline vi vshr(vi a, int s) { return {_mm512_srli_epi32(a.v, static_cast<unsigned>(s))}; }
/** Sum of the lanes in a fixed order (a pairwise tree), so dot products are reproducible. */
inline float vsum(vf a) {
  __m256 h = _mm256_add_ps(_mm512_castps512_ps256(a.v), _mm512_extractf32x8_ps(a.v, 1));
  __m128 q = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  q = _mm_add_ps(q, _mm_movehl_ps(q, q));
  q = _mm_add_ss(q, _mm_movehdup_ps(q));
  return _mm_cvtss_f32(q);
}

#elif defined(GT_AVX2)

constexpr int W = 8;
constexpr const char* kSimdName = "avx2";
struct vf { __m256 v; };
struct vi { __m256i v; };
struct vm { __m256 m; };

inline vf vzero() { return {_mm256_setzero_ps()}; }
inline vf vset(float x) { return {_mm256_set1_ps(x)}; }
inline vf vload(const float* p) { return {_mm256_loadu_ps(p)}; }
inline void vstore(float* p, vf a) { _mm256_storeu_ps(p, a.v); }
inline __m256i tail_mask(int n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
inline vf vloadn(const float* p, int n) { return {_mm256_maskload_ps(p, tail_mask(n))}; }
inline void vstoren(float* p, vf a, int n) { _mm256_maskstore_ps(p, tail_mask(n), a.v); }
inline vf operator+(vf a, vf b) { return {_mm256_add_ps(a.v, b.v)}; }
inline vf operator-(vf a, vf b) { return {_mm256_sub_ps(a.v, b.v)}; }
inline vf operator*(vf a, vf b) { return {_mm256_mul_ps(a.v, b.v)}; }
inline vf operator/(vf a, vf b) { return {_mm256_div_ps(a.v, b.v)}; }
inline vf vfma(vf a, vf b, vf c) { return {_mm256_fmadd_ps(a.v, b.v, c.v)}; }
inline vf vmax(vf a, vf b) { return {_mm256_max_ps(a.v, b.v)}; }
inline vf vmin(vf a, vf b) { return {_mm256_min_ps(a.v, b.v)}; }
inline vf vabs(vf a) { return {_mm256_andnot_ps(_mm256_set1_ps(-0.0f), a.v)}; }
inline vf vand(vf a, vf b) { return {_mm256_and_ps(a.v, b.v)}; }
inline vf vxor(vf a, vf b) { return {_mm256_xor_ps(a.v, b.v)}; }
inline vf vor(vf a, vf b) { return {_mm256_or_ps(a.v, b.v)}; }
inline vf vsqrt(vf a) { return {_mm256_sqrt_ps(a.v)}; }
inline vf vfloor(vf a) { return {_mm256_floor_ps(a.v)}; }
inline vm operator<(vf a, vf b) { return {_mm256_cmp_ps(a.v, b.v, _CMP_LT_OQ)}; }
inline vm operator>(vf a, vf b) { return {_mm256_cmp_ps(a.v, b.v, _CMP_GT_OQ)}; }
inline vm operator==(vf a, vf b) { return {_mm256_cmp_ps(a.v, b.v, _CMP_EQ_OQ)}; }
inline vm isnan(vf a) { return {_mm256_cmp_ps(a.v, a.v, _CMP_UNORD_Q)}; }
inline vm operator|(vm a, vm b) { return {_mm256_or_ps(a.m, b.m)}; }
inline vf vselect(vm m, vf a, vf b) { return {_mm256_blendv_ps(b.v, a.v, m.m)}; }
inline vi vcvt_i(vf a) { return {_mm256_cvtps_epi32(a.v)}; }
inline vf vcvt_f(vi a) { return {_mm256_cvtepi32_ps(a.v)}; }
inline vi vcast_i(vf a) { return {_mm256_castps_si256(a.v)}; }
inline vf vcast_f(vi a) { return {_mm256_castsi256_ps(a.v)}; }
inline vi vseti(int32_t x) { return {_mm256_set1_epi32(x)}; }
inline vi operator+(vi a, vi b) { return {_mm256_add_epi32(a.v, b.v)}; }
inline vi operator-(vi a, vi b) { return {_mm256_sub_epi32(a.v, b.v)}; }
inline vi operator&(vi a, vi b) { return {_mm256_and_si256(a.v, b.v)}; }
inline vi operator|(vi a, vi b) { return {_mm256_or_si256(a.v, b.v)}; }
inline vi vshl(vi a, int s) { return {_mm256_slli_epi32(a.v, s)}; }
inline vi vshr(vi a, int s) { return {_mm256_srli_epi32(a.v, s)}; }
inline float vsum(vf a) {
  __m128 q = _mm_add_ps(_mm256_castps256_ps128(a.v), _mm256_extractf128_ps(a.v, 1));
  q = _mm_add_ps(q, _mm_movehl_ps(q, q));
  q = _mm_add_ss(q, _mm_movehdup_ps(q));
  return _mm_cvtss_f32(q);
}

#else

constexpr int W = 1;
constexpr const char* kSimdName = "scalar";
struct vf { float v; };
struct vi { int32_t v; };
struct vm { bool m; };

inline vf vzero() { return {0.0f}; }
inline vf vset(float x) { return {x}; }
inline vf vload(const float* p) { return {*p}; }
inline void vstore(float* p, vf a) { *p = a.v; }
inline vf vloadn(const float*, int) { return {0.0f}; }  // n < W = 1: nothing to load
inline void vstoren(float*, vf, int) {}
inline vf operator+(vf a, vf b) { return {a.v + b.v}; }
inline vf operator-(vf a, vf b) { return {a.v - b.v}; }
inline vf operator*(vf a, vf b) { return {a.v * b.v}; }
inline vf operator/(vf a, vf b) { return {a.v / b.v}; }
/**
 * a*b + c rounded once, as the FMA instruction of the other variants rounds it, on any x86-64:
 * every variant must compute the same bits. a*b is exact in double (24 + 24 bits); the sum is
 * rounded to odd in double (its exact error by TwoSum decides the last bit), and a value rounded
 * to odd with 53 >= 24 + 2 bits rounds to float exactly as the exact sum would (Boldo and
 * Melquiond, "Emulation of FMA and correctly rounded sums: proved algorithms using rounding to
 * odd", IEEE TC 2008). std::fmaf would be a libm call per element, which no loop vectorises.
 */
inline float fma_exact(float a, float b, float c) {
  const double p = static_cast<double>(a) * static_cast<double>(b);
  const double cd = c;
  const double s = p + cd;
  const double bb = s - p;
  const double err = (p - (s - bb)) + (cd - bb);
  // Branch-free, so that loops of it vectorise (SSE2 doubles): inexact when err is non-zero and
  // not NaN (an infinite or NaN s makes err NaN: s is then the answer as it is).
  uint64_t u, e;
  std::memcpy(&u, &s, 8);
  std::memcpy(&e, &err, 8);
  const uint64_t inexact = static_cast<uint64_t>((err != 0.0) & (err == err));
  // err of the other sign than s: |a*b + c| < |s|, the truncation is one ulp closer to zero.
  const uint64_t down = ((u ^ e) >> 63) & inexact;
  u = (u - down) | inexact;  // round to odd
  double odd;
  std::memcpy(&odd, &u, 8);
  return static_cast<float>(odd);
}
#if defined(GT_FAST_FMA)
// The baseline-fast variant: a multiply and an add, two roundings, as fast as the plain x86-64
// instruction set allows (about 20x the exact fma in the GEMM), and NOT the same bits as the
// other variants: named so wherever it is chosen, never picked by itself.
inline vf vfma(vf a, vf b, vf c) { return {a.v * b.v + c.v}; }
#else
inline vf vfma(vf a, vf b, vf c) { return {fma_exact(a.v, b.v, c.v)}; }
#endif
// Same NaN rule as x86 max/min: the second operand when unordered.
inline vf vmax(vf a, vf b) { return {a.v > b.v ? a.v : b.v}; }
inline vf vmin(vf a, vf b) { return {a.v < b.v ? a.v : b.v}; }
inline vf vabs(vf a) { return {std::fabs(a.v)}; }
inline uint32_t bits(float x) { uint32_t u; std::memcpy(&u, &x, 4); return u; }
inline float from_bits(uint32_t u) { float x; std::memcpy(&x, &u, 4); return x; }
inline vf vand(vf a, vf b) { return {from_bits(bits(a.v) & bits(b.v))}; }
inline vf vxor(vf a, vf b) { return {from_bits(bits(a.v) ^ bits(b.v))}; }
inline vf vor(vf a, vf b) { return {from_bits(bits(a.v) | bits(b.v))}; }
inline vf vsqrt(vf a) { return {std::sqrt(a.v)}; }
inline vf vfloor(vf a) { return {std::floor(a.v)}; }
inline vm operator<(vf a, vf b) { return {a.v < b.v}; }
inline vm operator>(vf a, vf b) { return {a.v > b.v}; }
inline vm operator==(vf a, vf b) { return {a.v == b.v}; }
inline vm isnan(vf a) { return {a.v != a.v}; }
inline vm operator|(vm a, vm b) { return {a.m || b.m}; }
inline vf vselect(vm m, vf a, vf b) { return m.m ? a : b; }
inline vi vcvt_i(vf a) { return {static_cast<int32_t>(std::nearbyint(a.v))}; }
inline vf vcvt_f(vi a) { return {static_cast<float>(a.v)}; }
inline vi vcast_i(vf a) { return {static_cast<int32_t>(bits(a.v))}; }
inline vf vcast_f(vi a) { return {from_bits(static_cast<uint32_t>(a.v))}; }
inline vi vseti(int32_t x) { return {x}; }
inline vi operator+(vi a, vi b) { return {static_cast<int32_t>(static_cast<uint32_t>(a.v) + static_cast<uint32_t>(b.v))}; }
inline vi operator-(vi a, vi b) { return {static_cast<int32_t>(static_cast<uint32_t>(a.v) - static_cast<uint32_t>(b.v))}; }
inline vi operator&(vi a, vi b) { return {a.v & b.v}; }
inline vi operator|(vi a, vi b) { return {a.v | b.v}; }
inline vi vshl(vi a, int s) { return {static_cast<int32_t>(static_cast<uint32_t>(a.v) << s)}; }
inline vi vshr(vi a, int s) { return {static_cast<int32_t>(static_cast<uint32_t>(a.v) >> s)}; }
inline float vsum(vf a) { return a.v; }

#endif

inline vf vneg(vf a) { return vxor(a, vset(-0.0f)); }

// Sixteen float lanes whatever the vector width: one AVX-512 vector, two AVX2 vectors or sixteen
// scalars. A sum that runs along a reduction (a dot product) keeps sixteen partial sums, lane l
// taking the terms l (mod 16), and adds them by one fixed tree, so its bits do not depend on
// which variant computed it.
constexpr int kParts = 16 / W;
struct vf16 {
  vf part[kParts];
};
inline vf16 v16zero() {
  vf16 r;
  for (int i = 0; i < kParts; ++i) r.part[i] = vzero();
  return r;
}
inline vf16 v16load(const float* p) {
  vf16 r;
  for (int i = 0; i < kParts; ++i) r.part[i] = vload(p + i * W);
  return r;
}
/** The first n (< 16) lanes; the others are zero. */
inline vf16 v16loadn(const float* p, int n) {
  vf16 r;
  for (int i = 0; i < kParts; ++i) {
    const int have = n - i * W;
    r.part[i] = have >= W ? vload(p + i * W) : have > 0 ? vloadn(p + i * W, have) : vzero();
  }
  return r;
}
inline vf16 v16fma(const vf16& a, const vf16& b, const vf16& c) {
  vf16 r;
  for (int i = 0; i < kParts; ++i) r.part[i] = vfma(a.part[i], b.part[i], c.part[i]);
  return r;
}
/** The lanes' sum by AVX-512's tree: l + (l+8), then + (l+4), + (l+2), + (l+1). */
inline float v16sum(const vf16& a) {
#if defined(GT_AVX512)
  return vsum(a.part[0]);
#elif defined(GT_AVX2)
  return vsum(a.part[0] + a.part[1]);  // lanes l + (l+8), then AVX2's tree: the same
#else
  alignas(64) float l[16];
  for (int i = 0; i < kParts; ++i) vstore(l + i * W, a.part[i]);
  for (int w = 8; w >= 1; w /= 2)
    for (int i = 0; i < w; ++i) l[i] += l[i + w];
  return l[0];
#endif
}

#if defined(GT_AVX512) || defined(GT_AVX2)
/** d[j*ldd + i] = s[i*ld + j] for an 8 x 8 block (GEMM packing, swapAxes). */
inline void transpose8x8(const float* s, int64_t ld, float* d, int64_t ldd) {
  __m256 r0 = _mm256_loadu_ps(s), r1 = _mm256_loadu_ps(s + ld), r2 = _mm256_loadu_ps(s + 2 * ld),
         r3 = _mm256_loadu_ps(s + 3 * ld), r4 = _mm256_loadu_ps(s + 4 * ld),
         r5 = _mm256_loadu_ps(s + 5 * ld), r6 = _mm256_loadu_ps(s + 6 * ld),
         r7 = _mm256_loadu_ps(s + 7 * ld);
  __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
  __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
  __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
  __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
  __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  _mm256_storeu_ps(d, _mm256_permute2f128_ps(u0, u4, 0x20));
  _mm256_storeu_ps(d + ldd, _mm256_permute2f128_ps(u1, u5, 0x20));
  _mm256_storeu_ps(d + 2 * ldd, _mm256_permute2f128_ps(u2, u6, 0x20));
  _mm256_storeu_ps(d + 3 * ldd, _mm256_permute2f128_ps(u3, u7, 0x20));
  _mm256_storeu_ps(d + 4 * ldd, _mm256_permute2f128_ps(u0, u4, 0x31));
  _mm256_storeu_ps(d + 5 * ldd, _mm256_permute2f128_ps(u1, u5, 0x31));
  _mm256_storeu_ps(d + 6 * ldd, _mm256_permute2f128_ps(u2, u6, 0x31));
  _mm256_storeu_ps(d + 7 * ldd, _mm256_permute2f128_ps(u3, u7, 0x31));
}
#endif

}  // namespace gt
