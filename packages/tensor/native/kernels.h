// The kernels behind the Node-API functions of addon.cc, one per method of the TypeScript
// `Backend` interface (packages/tensor/src/backend.ts holds the contract of each).
#pragma once

#include <cstdint>

namespace gt {

// Codes shared with src/backends/native.ts (the order of its tables).
enum Activation : int { kIdentity = 0, kRelu, kLeakyRelu, kTanh, kAtan, kSigmoid };
enum BinaryOp : int { kAdd = 0, kSub, kMul, kDiv, kMax, kMin };
enum UnaryOp : int { kNeg = 0, kAbs, kExp, kLog, kSqrt, kSquare, kSign };

/** C[m,n] (+)= op(A)·op(B), row-major; A is [m,k] or, when ta, [k,m]; B is [k,n] or, when tb, [n,k]. */
void gemm(const float* a, const float* b, float* c, int64_t m, int64_t n, int64_t k, bool ta, bool tb,
          bool accumulate);

void add_bias(const float* x, const float* bias, float* out, int64_t rows, int64_t cols);
void sum_axis(const float* x, float* out, int64_t outer, int64_t len, int64_t inner, bool accumulate);
double sum_squares(const float* x, int64_t n);
void activation(int kind, const float* x, float* out, int64_t n, double slope);
void activation_grad(int kind, const float* x, const float* y, const float* dy, float* dx, int64_t n,
                     double slope);
void binary(int op, const float* a, const float* b, float* out, int64_t n);
void binary_row(int op, const float* a, const float* row, float* out, int64_t rows, int64_t cols);
void binary_scalar(int op, const float* a, double s, float* out, int64_t n);
void unary(int op, const float* x, float* out, int64_t n);
void adam(float* p, const float* g, float* m, float* v, int64_t n, double lr, double beta1, double beta2,
          double eps, double c1, double c2);
void sgd(float* p, const float* g, float* buf, int64_t n, double lr, double momentum, bool nesterov);

// Convolution and per-channel statistics (conv.cc); images are NCHW.
void im2col(const float* x, float* cols, int64_t n, int64_t c, int64_t h, int64_t w, int64_t kh, int64_t kw,
            int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t oh, int64_t ow);
void col2im(const float* cols, float* x, int64_t n, int64_t c, int64_t h, int64_t w, int64_t kh, int64_t kw,
            int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t oh, int64_t ow, bool accumulate);
void swap_axes(const float* x, float* out, int64_t a, int64_t b, int64_t inner);
void channel_moments(const float* x, float* mean, float* variance, int64_t n, int64_t c, int64_t s);
/** b and sum_ab may be null (no Σ a·b); sum_ab may be null with b given (Σ a·b not stored). */
void channel_sums(const float* a, const float* b, float* sum_a, float* sum_ab, int64_t n, int64_t c,
                  int64_t s);
/** b and sb are both null or both given. */
void channel_affine(const float* a, const float* sa, const float* b, const float* sb, const float* shift,
                    float* out, int64_t n, int64_t c, int64_t s);

}  // namespace gt
