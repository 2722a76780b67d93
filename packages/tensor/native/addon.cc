// Node-API bindings: one function per Backend kernel, taking the Float32Arrays and sizes exactly as
// the TypeScript method does (op and activation names arrive as the integer codes of kernels.h).
//
// Sizes are checked against the arrays' lengths before any kernel runs, so a wrong size is a
// RangeError in JavaScript instead of a write past the end of a buffer. Views (`subarray`) work as
// is: napi_get_typedarray_info returns the data pointer already advanced by the view's offset.
//
// Every entry point is registered through `entry<F>` (see the table at the bottom), which turns
// any C++ exception into a JavaScript one: an exception escaping into Node-API would terminate
// the process.
//
// The same file is compiled into every variant of the addon (scripts/build-native.mjs), which
// names itself through GT_VARIANT and reports how it was built (`build`: compiler and flags).
#include <node_api.h>

#include <cstdint>
#include <cstring>
#include <exception>
#include <string>

#include "cpu.h"
#include "kernels.h"
#include "pool.h"
#include "simd.h"

namespace {

/** Thrown inside a binding; turned into a JavaScript exception at the boundary. */
struct JsError {
  bool range;  // RangeError, else TypeError
  std::string message;
};

struct Args {
  napi_env env;
  const char* fn;
  napi_value argv[16];
  size_t argc = 16;

  Args(napi_env e, napi_callback_info info, const char* name, size_t expected) : env(e), fn(name) {
    if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < expected)
      throw JsError{false, std::string(fn) + ": expected " + std::to_string(expected) + " arguments"};
  }

  struct F32 {
    float* data;
    int64_t length;
  };

  F32 f32(size_t i, const char* what) const {
    bool is = false;
    napi_is_typedarray(env, argv[i], &is);
    napi_typedarray_type type;
    size_t length = 0;
    void* data = nullptr;
    if (!is || napi_get_typedarray_info(env, argv[i], &type, &length, &data, nullptr, nullptr) != napi_ok ||
        type != napi_float32_array)
      throw JsError{false, std::string(fn) + ": " + what + " must be a Float32Array"};
    return {static_cast<float*>(data), static_cast<int64_t>(length)};
  }

  /** A Float32Array with at least `need` elements. */
  float* f32(size_t i, const char* what, int64_t need) const {
    F32 a = f32(i, what);
    if (a.length < need)
      throw JsError{true, std::string(fn) + ": " + what + " has " + std::to_string(a.length) +
                              " elements, the sizes need " + std::to_string(need)};
    return a.data;
  }

  bool is_null(size_t i) const {
    napi_valuetype t;
    napi_typeof(env, argv[i], &t);
    return t == napi_null || t == napi_undefined;
  }

  double num(size_t i, const char* what) const {
    double v;
    if (napi_get_value_double(env, argv[i], &v) != napi_ok)
      throw JsError{false, std::string(fn) + ": " + what + " must be a number"};
    return v;
  }

  /** A size: a non-negative integer. */
  int64_t size(size_t i, const char* what) const {
    double v = num(i, what);
    if (!(v >= 0) || v != static_cast<double>(static_cast<int64_t>(v)) || v > 9.0e15)
      throw JsError{true, std::string(fn) + ": " + what + " must be a non-negative integer, got " +
                              std::to_string(v)};
    return static_cast<int64_t>(v);
  }

  int code(size_t i, const char* what, int count) const {
    int64_t v = size(i, what);
    if (v >= count) throw JsError{true, std::string(fn) + ": unknown " + what + " code " + std::to_string(v)};
    return static_cast<int>(v);
  }

  bool flag(size_t i, const char* what) const {
    bool v;
    if (napi_get_value_bool(env, argv[i], &v) != napi_ok)
      throw JsError{false, std::string(fn) + ": " + what + " must be a boolean"};
    return v;
  }
};

/** Products of sizes, guarding against overflow of the element count. */
int64_t mul(int64_t a, int64_t b) {
  if (a != 0 && b > INT64_MAX / a) throw JsError{true, "sizes overflow"};
  return a * b;
}

bool overlaps(const float* a, int64_t na, const float* b, int64_t nb) {
  return na > 0 && nb > 0 && a < b + nb && b < a + na;
}

using Binding = napi_value (*)(napi_env, napi_callback_info);

/** The Node-API callback for binding F: F's C++ exceptions become JavaScript exceptions. */
template <Binding F>
napi_value entry(napi_env env, napi_callback_info info) {
  try {
    return F(env, info);
  } catch (const JsError& e) {
    if (e.range) napi_throw_range_error(env, nullptr, e.message.c_str());
    else napi_throw_type_error(env, nullptr, e.message.c_str());
  } catch (const std::exception& e) {
    napi_throw_error(env, nullptr, (std::string("native tensor kernel failed: ") + e.what()).c_str());
  } catch (...) {
    napi_throw_error(env, nullptr, "native tensor kernel failed: unknown C++ exception");
  }
  return nullptr;
}

napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

napi_value Gemm(napi_env env, napi_callback_info info) {
  Args a(env, info, "gemm", 9);
  const int64_t m = a.size(3, "m"), n = a.size(4, "n"), k = a.size(5, "k");
  const float* A = a.f32(0, "a", mul(m, k));
  const float* B = a.f32(1, "b", mul(k, n));
  float* C = a.f32(2, "c", mul(m, n));
  if (overlaps(C, m * n, A, m * k) || overlaps(C, m * n, B, k * n))
    throw JsError{true, "gemm: c must not overlap a or b"};
  gt::gemm(A, B, C, m, n, k, a.flag(6, "transA"), a.flag(7, "transB"), a.flag(8, "accumulate"));
  return undefined(env);
}

napi_value AddBias(napi_env env, napi_callback_info info) {
  Args a(env, info, "addBias", 5);
  const int64_t rows = a.size(3, "rows"), cols = a.size(4, "cols");
  gt::add_bias(a.f32(0, "x", mul(rows, cols)), a.f32(1, "bias", cols), a.f32(2, "out", mul(rows, cols)),
               rows, cols);
  return undefined(env);
}

napi_value SumAxis(napi_env env, napi_callback_info info) {
  Args a(env, info, "sumAxis", 6);
  const int64_t outer = a.size(2, "outer"), len = a.size(3, "len"), inner = a.size(4, "inner");
  gt::sum_axis(a.f32(0, "x", mul(mul(outer, len), inner)), a.f32(1, "out", mul(outer, inner)), outer, len,
               inner, a.flag(5, "accumulate"));
  return undefined(env);
}

napi_value SumSquares(napi_env env, napi_callback_info info) {
  Args a(env, info, "sumSquares", 2);
  const int64_t n = a.size(1, "n");
  napi_value r;
  napi_create_double(env, gt::sum_squares(a.f32(0, "x", n), n), &r);
  return r;
}

napi_value Activation(napi_env env, napi_callback_info info) {
  Args a(env, info, "activation", 5);
  const int kind = a.code(0, "activation", 6);
  const int64_t n = a.size(3, "n");
  gt::activation(kind, a.f32(1, "x", n), a.f32(2, "out", n), n, a.num(4, "slope"));
  return undefined(env);
}

napi_value ActivationGrad(napi_env env, napi_callback_info info) {
  Args a(env, info, "activationGrad", 7);
  const int kind = a.code(0, "activation", 6);
  const int64_t n = a.size(5, "n");
  gt::activation_grad(kind, a.f32(1, "x", n), a.f32(2, "y", n), a.f32(3, "dy", n), a.f32(4, "dx", n), n,
                      a.num(6, "slope"));
  return undefined(env);
}

napi_value Binary(napi_env env, napi_callback_info info) {
  Args a(env, info, "binary", 5);
  const int op = a.code(0, "binary op", 6);
  const int64_t n = a.size(4, "n");
  gt::binary(op, a.f32(1, "a", n), a.f32(2, "b", n), a.f32(3, "out", n), n);
  return undefined(env);
}

napi_value BinaryRow(napi_env env, napi_callback_info info) {
  Args a(env, info, "binaryRow", 6);
  const int op = a.code(0, "binary op", 6);
  const int64_t rows = a.size(4, "rows"), cols = a.size(5, "cols");
  gt::binary_row(op, a.f32(1, "a", mul(rows, cols)), a.f32(2, "row", cols), a.f32(3, "out", mul(rows, cols)),
                 rows, cols);
  return undefined(env);
}

napi_value BinaryScalar(napi_env env, napi_callback_info info) {
  Args a(env, info, "binaryScalar", 5);
  const int op = a.code(0, "binary op", 6);
  const int64_t n = a.size(4, "n");
  gt::binary_scalar(op, a.f32(1, "a", n), a.num(2, "s"), a.f32(3, "out", n), n);
  return undefined(env);
}

napi_value Unary(napi_env env, napi_callback_info info) {
  Args a(env, info, "unary", 4);
  const int op = a.code(0, "unary op", 7);
  const int64_t n = a.size(3, "n");
  gt::unary(op, a.f32(1, "x", n), a.f32(2, "out", n), n);
  return undefined(env);
}

napi_value Adam(napi_env env, napi_callback_info info) {
  Args a(env, info, "adam", 11);
  const int64_t n = a.size(4, "n");
  gt::adam(a.f32(0, "p", n), a.f32(1, "g", n), a.f32(2, "m", n), a.f32(3, "v", n), n, a.num(5, "lr"),
           a.num(6, "beta1"), a.num(7, "beta2"), a.num(8, "eps"), a.num(9, "c1"), a.num(10, "c2"));
  return undefined(env);
}

napi_value Sgd(napi_env env, napi_callback_info info) {
  Args a(env, info, "sgd", 7);
  const int64_t n = a.size(3, "n");
  float* buf = a.is_null(2) ? nullptr : a.f32(2, "buf", n);
  gt::sgd(a.f32(0, "p", n), a.f32(1, "g", n), buf, n, a.num(4, "lr"), a.num(5, "momentum"),
          a.flag(6, "nesterov"));
  return undefined(env);
}

/** im2col's and col2im's sizes (arguments 2 to 13) and the element counts they imply. */
struct ConvSizes {
  int64_t n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow;
  int64_t image, cols;

  explicit ConvSizes(const Args& a)
      : n(a.size(2, "n")), c(a.size(3, "c")), h(a.size(4, "h")), w(a.size(5, "w")), kh(a.size(6, "kh")),
        kw(a.size(7, "kw")), sh(a.size(8, "strideH")), sw(a.size(9, "strideW")), ph(a.size(10, "padH")),
        pw(a.size(11, "padW")), oh(a.size(12, "oh")), ow(a.size(13, "ow")) {
    if (sh < 1 || sw < 1)
      throw JsError{true, std::string(a.fn) + ": strides must be at least 1, got " + std::to_string(sh) +
                              " x " + std::to_string(sw)};
    image = mul(mul(mul(n, c), h), w);
    cols = mul(mul(mul(c, kh), kw), mul(mul(n, oh), ow));
  }
};

napi_value Im2col(napi_env env, napi_callback_info info) {
  Args a(env, info, "im2col", 14);
  const ConvSizes g(a);
  const float* x = a.f32(0, "x", g.image);
  float* cols = a.f32(1, "cols", g.cols);
  if (overlaps(cols, g.cols, x, g.image)) throw JsError{true, "im2col: cols must not overlap x"};
  gt::im2col(x, cols, g.n, g.c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.oh, g.ow);
  return undefined(env);
}

napi_value Col2im(napi_env env, napi_callback_info info) {
  Args a(env, info, "col2im", 15);
  const ConvSizes g(a);
  const float* cols = a.f32(0, "cols", g.cols);
  float* x = a.f32(1, "x", g.image);
  if (overlaps(x, g.image, cols, g.cols)) throw JsError{true, "col2im: x must not overlap cols"};
  gt::col2im(cols, x, g.n, g.c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.oh, g.ow,
             a.flag(14, "accumulate"));
  return undefined(env);
}

napi_value SwapAxes(napi_env env, napi_callback_info info) {
  Args a(env, info, "swapAxes", 5);
  const int64_t outer = a.size(2, "a"), middle = a.size(3, "b"), inner = a.size(4, "inner");
  const int64_t n = mul(mul(outer, middle), inner);
  const float* x = a.f32(0, "x", n);
  float* out = a.f32(1, "out", n);
  if (overlaps(out, n, x, n)) throw JsError{true, "swapAxes: out must not overlap x"};
  gt::swap_axes(x, out, outer, middle, inner);
  return undefined(env);
}

napi_value ChannelMoments(napi_env env, napi_callback_info info) {
  Args a(env, info, "channelMoments", 6);
  const int64_t n = a.size(3, "n"), c = a.size(4, "c"), s = a.size(5, "s");
  const int64_t total = mul(mul(n, c), s);
  const float* x = a.f32(0, "x", total);
  float* mean = a.f32(1, "mean", c);
  float* variance = a.f32(2, "variance", c);
  if (overlaps(mean, c, x, total) || overlaps(variance, c, x, total) || overlaps(mean, c, variance, c))
    throw JsError{true, "channelMoments: mean, variance and x must not overlap"};
  gt::channel_moments(x, mean, variance, n, c, s);
  return undefined(env);
}

napi_value ChannelSums(napi_env env, napi_callback_info info) {
  Args a(env, info, "channelSums", 7);
  const int64_t n = a.size(4, "n"), c = a.size(5, "c"), s = a.size(6, "s");
  const int64_t total = mul(mul(n, c), s);
  const float* A = a.f32(0, "a", total);
  // As in the reference: Σ a·b only when b is given, stored only when sumAB is given too.
  const float* B = a.is_null(1) ? nullptr : a.f32(1, "b", total);
  float* sum_a = a.f32(2, "sumA", c);
  float* sum_ab = B == nullptr || a.is_null(3) ? nullptr : a.f32(3, "sumAB", c);
  const int64_t nab = sum_ab == nullptr ? 0 : c, nb = B == nullptr ? 0 : total;
  if (overlaps(sum_a, c, A, total) || overlaps(sum_a, c, B, nb) || overlaps(sum_ab, nab, A, total) ||
      overlaps(sum_ab, nab, B, nb) || overlaps(sum_a, c, sum_ab, nab))
    throw JsError{true, "channelSums: sumA, sumAB and the inputs must not overlap"};
  gt::channel_sums(A, B, sum_a, sum_ab, n, c, s);
  return undefined(env);
}

napi_value ChannelAffine(napi_env env, napi_callback_info info) {
  Args a(env, info, "channelAffine", 9);
  const int64_t n = a.size(6, "n"), c = a.size(7, "c"), s = a.size(8, "s");
  const int64_t total = mul(mul(n, c), s);
  const float* A = a.f32(0, "a", total);
  const float* sa = a.f32(1, "sa", c);
  // As in the reference: the b term only when both b and sb are given.
  const bool has_b = !a.is_null(2) && !a.is_null(3);
  const float* B = has_b ? a.f32(2, "b", total) : nullptr;
  const float* sb = has_b ? a.f32(3, "sb", c) : nullptr;
  const float* shift = a.f32(4, "shift", c);
  float* out = a.f32(5, "out", total);
  // out may be a or b itself (each element is read before it is written), not a shifted view.
  if ((out != A && overlaps(out, total, A, total)) || (has_b && out != B && overlaps(out, total, B, total)))
    throw JsError{true, "channelAffine: out must be a or b itself, or not overlap them"};
  if (overlaps(out, total, sa, c) || overlaps(out, total, sb, has_b ? c : 0) || overlaps(out, total, shift, c))
    throw JsError{true, "channelAffine: out must not overlap sa, sb or shift"};
  gt::channel_affine(A, sa, B, sb, shift, out, n, c, s);
  return undefined(env);
}

napi_value Threads(napi_env env, napi_callback_info) {
  // Pool::get() starts the worker threads on first use, which throws if the OS refuses one.
  napi_value r;
  napi_create_int32(env, gt::Pool::get().threads(), &r);
  return r;
}

napi_value SetThreads(napi_env env, napi_callback_info info) {
  Args a(env, info, "setThreads", 1);
  const int64_t n = a.size(0, "n");
  if (n < 1 || n > gt::Pool::kMaxThreads)
    throw JsError{true, "setThreads: n must be an integer in [1, " + std::to_string(gt::Pool::kMaxThreads) +
                            "], got " + std::to_string(n)};
  gt::Pool::get().set_threads(static_cast<int>(n));
  return undefined(env);
}

/** { feature: boolean } for the features of cpu.h. */
napi_value CpuFeatures(napi_env env, napi_callback_info) {
  napi_value features;
  napi_create_object(env, &features);
  for (const auto& f : gt::cpu_features()) {
    napi_value has;
    napi_get_boolean(env, f.second, &has);
    napi_set_named_property(env, features, f.first, has);
  }
  return features;
}

}  // namespace

#ifndef GT_VARIANT
#define GT_VARIANT "native"  // built by hand, outside scripts/build-native.mjs
#endif
#ifndef GT_SOURCE_HASH
#define GT_SOURCE_HASH "unknown"  // built by hand: nobody hashed the sources
#endif
#ifndef GT_BUILD_FLAGS
#define GT_BUILD_FLAGS "unknown"  // built by hand: nobody passed the flags down
#endif

// The compiler that built this file, as its own macros name it, for a run's record of what
// computed it (two compilers, or two versions of one, may round the same source differently).
// NOTE: clang defines __GNUC__ too, so it is asked first; its __VERSION__ names it ("Debian Clang
// 14.0.6"), GCC's is the bare version ("12.2.0").
#if defined(__clang__)
#define GT_COMPILER "clang++"
#elif defined(__GNUC__)
#define GT_COMPILER "g++"
#else
#define GT_COMPILER "unknown"
#endif
#ifdef __VERSION__
#define GT_COMPILER_VERSION __VERSION__
#else
#define GT_COMPILER_VERSION "unknown"
#endif

NAPI_MODULE_INIT() {
  struct Entry {
    const char* name;
    napi_callback cb;
  };
  const Entry entries[] = {
      {"gemm", entry<Gemm>},
      {"addBias", entry<AddBias>},
      {"sumAxis", entry<SumAxis>},
      {"sumSquares", entry<SumSquares>},
      {"activation", entry<Activation>},
      {"activationGrad", entry<ActivationGrad>},
      {"binary", entry<Binary>},
      {"binaryRow", entry<BinaryRow>},
      {"binaryScalar", entry<BinaryScalar>},
      {"unary", entry<Unary>},
      {"adam", entry<Adam>},
      {"sgd", entry<Sgd>},
      {"im2col", entry<Im2col>},
      {"col2im", entry<Col2im>},
      {"swapAxes", entry<SwapAxes>},
      {"channelMoments", entry<ChannelMoments>},
      {"channelSums", entry<ChannelSums>},
      {"channelAffine", entry<ChannelAffine>},
      {"threads", entry<Threads>},
      {"setThreads", entry<SetThreads>},
      {"cpuFeatures", entry<CpuFeatures>},
  };
  for (const Entry& e : entries) {
    napi_value fn;
    napi_create_function(env, e.name, NAPI_AUTO_LENGTH, e.cb, nullptr, &fn);
    napi_set_named_property(env, exports, e.name, fn);
  }
  napi_value simd, variant;
  napi_create_string_utf8(env, gt::kSimdName, NAPI_AUTO_LENGTH, &simd);
  napi_set_named_property(env, exports, "simd", simd);
  napi_create_string_utf8(env, GT_VARIANT, NAPI_AUTO_LENGTH, &variant);
  napi_set_named_property(env, exports, "variant", variant);
  napi_value cores;
  napi_create_int32(env, gt::available_cores(), &cores);
  napi_set_named_property(env, exports, "cores", cores);
  // How this variant was built: { compiler, version, flags, sources } (flags and the sources' hash
  // from scripts/build-native.mjs).
  napi_value build, compiler, version, flags;
  napi_create_object(env, &build);
  napi_create_string_utf8(env, GT_COMPILER, NAPI_AUTO_LENGTH, &compiler);
  napi_set_named_property(env, build, "compiler", compiler);
  napi_create_string_utf8(env, GT_COMPILER_VERSION, NAPI_AUTO_LENGTH, &version);
  napi_set_named_property(env, build, "version", version);
  napi_create_string_utf8(env, GT_BUILD_FLAGS, NAPI_AUTO_LENGTH, &flags);
  napi_set_named_property(env, build, "flags", flags);
  napi_value sources;
  napi_create_string_utf8(env, GT_SOURCE_HASH, NAPI_AUTO_LENGTH, &sources);
  napi_set_named_property(env, build, "sources", sources);
  napi_set_named_property(env, exports, "build", build);
  return exports;
}
