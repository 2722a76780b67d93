// What the CPU and the OS let this process execute, for choosing a kernel variant at load time
// (src/backends/native.ts). Read from the baseline build, which runs on any x86-64: a variant
// compiled for AVX2 or AVX-512 must not even be loaded on a CPU without them, since its module
// initialisation may already use those instructions (SIGILL, which nothing can catch).
//
// A feature counts only when the OS also saves its registers on a context switch: AVX needs the
// SSE and AVX state enabled in XCR0, AVX-512 the opmask and ZMM states too. cpuid alone would
// report AVX-512 under an OS (or hypervisor) that does not enable it.
#include "cpu.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace gt {

#if defined(__x86_64__) || defined(__i386__)

namespace {

bool bit(unsigned reg, int b) { return ((reg >> b) & 1u) != 0; }

/** XCR0: the register states the OS saves (valid only when cpuid reports OSXSAVE). */
unsigned long long xcr0() {
  unsigned lo = 0, hi = 0;
  // xgetbv with ecx = 0, spelled as bytes so the file needs no -mxsave.
  __asm__ volatile(".byte 0x0f, 0x01, 0xd0" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<unsigned long long>(hi) << 32) | lo;
}

}  // namespace

std::vector<std::pair<const char*, bool>> cpu_features() {
  unsigned a = 0, b = 0, c = 0, d = 0;  // scratch
  unsigned c1 = 0, b7 = 0, cx = 0;      // leaf 1 ecx, leaf 7 ebx, leaf 0x80000001 ecx
  const unsigned max_leaf = __get_cpuid_max(0, nullptr);
  if (max_leaf >= 1) __cpuid(1, a, b, c1, d);
  if (max_leaf >= 7) __cpuid_count(7, 0, a, b7, c, d);
  if (__get_cpuid_max(0x80000000u, nullptr) >= 0x80000001u) __cpuid(0x80000001u, a, b, cx, d);

  const bool osxsave = bit(c1, 27);
  const unsigned long long xcr = osxsave ? xcr0() : 0;
  // XCR0 bits: 1 SSE, 2 AVX (YMM upper halves), 5 opmask, 6 ZMM upper halves, 7 ZMM16-31.
  const bool os_avx = (xcr & 0x6) == 0x6;
  const bool os_avx512 = (xcr & 0xe6) == 0xe6;

  // The names and the bits of the Intel SDM (cpuid leaves 1, 7 and 0x80000001).
  return {
      {"sse3", bit(c1, 0)},      {"ssse3", bit(c1, 9)},     {"fma", bit(c1, 12)},
      {"cx16", bit(c1, 13)},     {"sse4_1", bit(c1, 19)},   {"sse4_2", bit(c1, 20)},
      {"movbe", bit(c1, 22)},    {"popcnt", bit(c1, 23)},   {"avx", bit(c1, 28)},
      {"f16c", bit(c1, 29)},     {"bmi1", bit(b7, 3)},      {"avx2", bit(b7, 5)},
      {"bmi2", bit(b7, 8)},      {"avx512f", bit(b7, 16)},  {"avx512dq", bit(b7, 17)},
      {"avx512cd", bit(b7, 28)}, {"avx512bw", bit(b7, 30)}, {"avx512vl", bit(b7, 31)},
      {"lahf", bit(cx, 0)},      {"lzcnt", bit(cx, 5)},     {"os_avx", os_avx},
      {"os_avx512", os_avx512},
  };
}

#else

std::vector<std::pair<const char*, bool>> cpu_features() { return {}; }

#endif

}  // namespace gt
