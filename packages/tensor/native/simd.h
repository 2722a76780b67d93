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
// NOTE: two roundings here. Without FMA in the instruction set, std::fma is a libm call per
// element (the baseline GEMM ran at 0.6 GFLOP/s, no faster than the TypeScript reference), while
// a multiply and an add vectorise. Results stay within the tests' bounds of the reference.
inline vf vfma(vf a, vf b, vf c) { return {a.v * b.v + c.v}; }
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
