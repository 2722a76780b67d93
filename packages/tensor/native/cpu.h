// The CPU features that decide which kernel variant may run here (cpu.cc).
#pragma once

#include <utility>
#include <vector>

namespace gt {

/**
 * Each x86 feature a variant's compiler flags may use, by the name src/backends/native.ts knows it,
 * and whether this CPU has it; `os_avx` / `os_avx512`: the OS saves the AVX / AVX-512 registers.
 * Empty on other architectures.
 */
std::vector<std::pair<const char*, bool>> cpu_features();

}  // namespace gt
