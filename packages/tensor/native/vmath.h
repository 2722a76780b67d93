// Vectorised float32 exp, log, tanh, atan and sigmoid (Cephes single-precision polynomials,
// about 1-2 ulp), because the C library offers no vector versions without -ffast-math.
// Special values follow Math.*: exp(±inf) = inf / 0, log(0) = -inf, log(x < 0) = NaN, NaN in,
// NaN out, and nothing overflows inside sigmoid or tanh for any input.
#pragma once

#include "simd.h"

namespace gt {

/** x · 2^n for integer-valued n in [-150, 130], in two steps so each factor is a normal float. */
inline vf ldexp_split(vf x, vf n) {
  vi ni = vcvt_i(n);
  vi h = vcvt_i(vfloor(n * vset(0.5f)));
  vi l = ni - h;
  vf s1 = vcast_f(vshl(h + vseti(127), 23));
  vf s2 = vcast_f(vshl(l + vseti(127), 23));
  return x * s1 * s2;
}

inline vf vexp(vf x) {
  // Past 89 the result overflows to inf and below -104 it underflows to 0 on its own; clamping
  // keeps the exponent arithmetic in range.
  vf xc = vmin(vmax(x, vset(-104.0f)), vset(89.0f));
  vf fx = vfloor(vfma(xc, vset(1.44269504088896341f), vset(0.5f)));
  // Cody-Waite: ln 2 in two parts, so r = x - n ln 2 keeps its low bits.
  vf r = xc - fx * vset(0.693359375f);
  r = r - fx * vset(-2.12194440e-4f);
  vf z = r * r;
  vf y = vset(1.9875691500e-4f);
  y = vfma(y, r, vset(1.3981999507e-3f));
  y = vfma(y, r, vset(8.3334519073e-3f));
  y = vfma(y, r, vset(4.1665795894e-2f));
  y = vfma(y, r, vset(1.6666665459e-1f));
  y = vfma(y, r, vset(5.0000001201e-1f));
  y = vfma(y, z, r) + vset(1.0f);
  vf res = ldexp_split(y, fx);
  return vselect(isnan(x), x, res);
}

inline vf vlog(vf x) {
  // Subnormal inputs are scaled into the normal range first (2^23) and the exponent corrected.
  vm sub = x < vset(1.17549435e-38f);
  vf xs = vselect(sub, x * vset(8388608.0f), x);
  vi bits = vcast_i(xs);
  vf e = vcvt_f(vshr(bits, 23) - vseti(126));
  e = vselect(sub, e - vset(23.0f), e);
  vf mant = vcast_f((bits & vseti(0x007fffff)) | vseti(0x3f000000));  // in [0.5, 1)
  vm small = mant < vset(0.707106781186547524f);
  e = vselect(small, e - vset(1.0f), e);
  vf m = vselect(small, mant + mant - vset(1.0f), mant - vset(1.0f));
  vf z = m * m;
  vf y = vset(7.0376836292e-2f);
  y = vfma(y, m, vset(-1.1514610310e-1f));
  y = vfma(y, m, vset(1.1676998740e-1f));
  y = vfma(y, m, vset(-1.2420140846e-1f));
  y = vfma(y, m, vset(1.4249322787e-1f));
  y = vfma(y, m, vset(-1.6668057665e-1f));
  y = vfma(y, m, vset(2.0000714765e-1f));
  y = vfma(y, m, vset(-2.4999993993e-1f));
  y = vfma(y, m, vset(3.3333331174e-1f));
  y = y * m * z;
  y = vfma(e, vset(-2.12194440e-4f), y);
  y = vfma(z, vset(-0.5f), y);
  vf res = m + y;
  res = vfma(e, vset(0.693359375f), res);
  const float inf = __builtin_inff();
  res = vselect(x == vset(0.0f), vset(-inf), res);
  res = vselect(x == vset(inf), x, res);
  res = vselect(x < vset(0.0f), vset(__builtin_nanf("")), res);
  return vselect(isnan(x), x, res);
}

inline vf vtanh(vf x) {
  vf z = vabs(x);
  // |x| > 0.625: 1 - 2 / (e^{2|x|} + 1), which saturates to 1 instead of overflowing.
  vf big = vset(1.0f) - vset(2.0f) / (vexp(z + z) + vset(1.0f));
  big = vor(big, vand(x, vset(-0.0f)));  // sign of x
  // |x| <= 0.625: odd polynomial, accurate where 1 - 2/(e+1) would cancel.
  vf s = x * x;
  vf p = vset(-5.70498872745e-3f);
  p = vfma(p, s, vset(2.06390887954e-2f));
  p = vfma(p, s, vset(-5.37397155531e-2f));
  p = vfma(p, s, vset(1.33314422036e-1f));
  p = vfma(p, s, vset(-3.33332819422e-1f));
  vf smallr = vfma(p * s, x, x);
  vf res = vselect(z > vset(0.625f), big, smallr);
  return vselect(isnan(x) | (x == vzero()), x, res);  // NaN, and ±0 with its sign
}

inline vf vatan(vf x) {
  vf sign = vand(x, vset(-0.0f));
  vf a = vabs(x);
  // Range reduction: atan(a) = π/2 + atan(-1/a) above tan(3π/8), π/4 + atan((a-1)/(a+1)) above
  // tan(π/8).
  vm hi = a > vset(2.414213562373095f);
  vm mid = a > vset(0.4142135623730950f);
  vf t = vselect(hi, vneg(vset(1.0f) / a), vselect(mid, (a - vset(1.0f)) / (a + vset(1.0f)), a));
  vf y0 = vselect(hi, vset(1.5707963267948966f), vselect(mid, vset(0.7853981633974483f), vzero()));
  vf z = t * t;
  vf p = vset(8.05374449538e-2f);
  p = vfma(p, z, vset(-1.38776856032e-1f));
  p = vfma(p, z, vset(1.99777106478e-1f));
  p = vfma(p, z, vset(-3.33329491539e-1f));
  vf res = y0 + vfma(p * z, t, t);
  res = vxor(res, sign);
  return vselect(isnan(x), x, res);
}

inline vf vsigmoid(vf x) {
  // e = exp(-|x|) is in (0, 1]: 1/(1+e) for x >= 0 and e/(1+e) for x < 0 never overflow.
  vf e = vexp(vneg(vabs(x)));
  vf d = vset(1.0f) + e;
  vf res = vselect(x < vset(0.0f), e / d, vset(1.0f) / d);
  return vselect(isnan(x), x, res);
}

}  // namespace gt
