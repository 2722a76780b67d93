// A persistent pool of worker threads for the kernels.
//
// Why persistent and spinning: at batch size 1 a kernel lasts 5-100 µs, while waking a sleeping
// thread through the OS costs 10-50 µs. Workers therefore spin for a short while after each job
// (kernels arrive back to back during a training step) and only then sleep on a condition variable,
// so an idle process does not burn a core.
//
// Determinism: the pool only says "run chunk c". Every kernel splits its *output* into contiguous
// chunks and computes each output element with the same arithmetic whatever the chunk and whichever
// thread runs it, so results are bit-identical for any thread count. No reduction is ever split.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define GT_PAUSE() _mm_pause()
#else
#define GT_PAUSE() std::this_thread::yield()
#endif

#if defined(__linux__)
#include <sched.h>
#endif

namespace gt {

/** Cores this process may run on (respects CPU affinity / cpusets, unlike hardware_concurrency). */
inline int available_cores() {
#if defined(__linux__)
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
#endif
  unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? static_cast<int>(n) : 1;
}

class Pool {
 public:
  /** Hard upper bound on threads(), far above any useful value for these kernels. */
  static constexpr int kMaxThreads = 64;
  /** Most chunks one job may have (20 bits of the job word). */
  static constexpr int64_t kMaxChunks = (int64_t{1} << 20) - 1;
  /** How long an idle worker spins before sleeping; covers the gaps between kernels of one step. */
  static constexpr int64_t kSpinNanos = 100000;

  /** The process-wide pool. Never destroyed: sleeping workers simply die with the process. */
  static Pool& get() {
    static Pool* pool = new Pool(std::min(available_cores(), kMaxThreads));
    return *pool;
  }

  int threads() const { return nthreads_.load(std::memory_order_relaxed); }

  void set_threads(int n) {
    n = std::max(1, std::min(n, kMaxThreads));
    std::lock_guard<std::mutex> lock(submit_);
    while (static_cast<int>(workers_.size()) + 1 < n) {
      int id = static_cast<int>(workers_.size()) + 1;
      workers_.emplace_back([this, id] { worker_loop(id); });
      workers_.back().detach();
    }
    nthreads_.store(n, std::memory_order_relaxed);
  }

  /**
   * Runs `fn(ctx, c)` for every chunk c in [0, chunks) on up to `want` threads, the caller
   * included. Chunks are claimed one at a time from a shared counter, so a worker that the OS has
   * descheduled (other processes on the cores) delays nothing: the threads that run take its share.
   * When another JS thread is using the pool at the same moment, the caller runs every chunk itself.
   */
  void run(int want, int64_t chunks, void (*fn)(void*, int64_t), void* ctx) {
    int nt = std::min(want, threads());
    if (nt <= 1 || chunks <= 1 || chunks > kMaxChunks || !submit_.try_lock()) {
      for (int64_t c = 0; c < chunks; ++c) fn(ctx, c);
      return;
    }
    nt = std::min(nt, static_cast<int>(workers_.size()) + 1);
    fn_ = fn;
    ctx_ = ctx;
    done_.store(0, std::memory_order_relaxed);
    // Everything a worker needs to decide whether and what to claim is in this one word, so it
    // never acts on a mix of two jobs: generation (17 bits) | threads (7) | chunks (20) | next (20).
    const uint64_t gen = ((word_.load(std::memory_order_relaxed) >> 47) + 1) & 0x1ffff;
    word_.store(gen << 47 | static_cast<uint64_t>(nt) << 40 | static_cast<uint64_t>(chunks) << 20,
                std::memory_order_seq_cst);
    if (sleeping_.load(std::memory_order_seq_cst) > 0) {
      std::lock_guard<std::mutex> lock(sleep_mutex_);
      wake_.notify_all();
    }
    claim_all(0);
    // A worker still finishing a chunk: spin, but yield now and then so that a worker preempted
    // on a busy machine gets a core back sooner.
    for (unsigned spins = 1; done_.load(std::memory_order_acquire) != chunks; ++spins) {
      GT_PAUSE();
      if ((spins & 255) == 0) std::this_thread::yield();
    }
    submit_.unlock();
  }

 private:
  explicit Pool(int n) { set_threads(n); }

  static int64_t next_of(uint64_t w) { return static_cast<int64_t>(w & 0xfffff); }
  static int64_t chunks_of(uint64_t w) { return static_cast<int64_t>((w >> 20) & 0xfffff); }
  static int threads_of(uint64_t w) { return static_cast<int>((w >> 40) & 0x7f); }

  /**
   * Claims and runs chunks of the current job until none is left (or, for worker `id`, the job
   * does not include it); returns the last word seen.
   */
  uint64_t claim_all(int id) {
    uint64_t w = word_.load(std::memory_order_acquire);
    while (next_of(w) < chunks_of(w) && id < threads_of(w)) {
      if (word_.compare_exchange_weak(w, w + 1, std::memory_order_acq_rel, std::memory_order_acquire)) {
        // fn_ and ctx_ are read after the claim: the job cannot finish (and be replaced) before
        // this chunk is done.
        fn_(ctx_, next_of(w));
        done_.fetch_add(1, std::memory_order_acq_rel);
        w = word_.load(std::memory_order_acquire);
      }
    }
    return w;
  }

  void worker_loop(int id) {
    uint64_t seen = word_.load(std::memory_order_acquire);
    for (;;) {
      seen = wait_for_change(seen);
      seen = claim_all(id);
    }
  }

  uint64_t wait_for_change(uint64_t seen) {
    auto start = std::chrono::steady_clock::now();
    for (unsigned spins = 1;; ++spins) {
      uint64_t w = word_.load(std::memory_order_acquire);
      if (w != seen) return w;
      GT_PAUSE();
      if ((spins & 255) == 0) {
        // Yielding costs little when the core is free and lets other processes run when not.
        std::this_thread::yield();
        auto waited = std::chrono::steady_clock::now() - start;
        if (std::chrono::duration_cast<std::chrono::nanoseconds>(waited).count() > kSpinNanos) break;
      }
    }
    std::unique_lock<std::mutex> lock(sleep_mutex_);
    sleeping_.fetch_add(1, std::memory_order_seq_cst);
    uint64_t w;
    // seq_cst on both sides: either the submitter sees sleeping_ > 0 and notifies under the mutex,
    // or this thread sees the new job word here; a wake-up cannot be lost.
    wake_.wait(lock, [&] { return (w = word_.load(std::memory_order_seq_cst)) != seen; });
    sleeping_.fetch_sub(1, std::memory_order_seq_cst);
    return w;
  }

  std::atomic<int> nthreads_{1};
  std::vector<std::thread> workers_;
  std::mutex submit_;
  void (*fn_)(void*, int64_t) = nullptr;
  void* ctx_ = nullptr;
  std::atomic<uint64_t> word_{0};
  std::atomic<int64_t> done_{0};
  std::atomic<int> sleeping_{0};
  std::mutex sleep_mutex_;
  std::condition_variable wake_;
};

/**
 * Splits [0, n) into contiguous chunks whose inner boundaries are multiples of `grain` and calls
 * body(begin, end) for each, on up to `tasks` threads with `chunks_per_task` chunks each (more
 * chunks balance better; fewer repeat less per-chunk set-up, such as packing in GEMM).
 */
template <class Body>
void parallel_for(int64_t n, int64_t grain, int tasks, Body&& body, int chunks_per_task = 2) {
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  const int64_t units = (n + grain - 1) / grain;
  const int64_t chunks =
      std::min<int64_t>({units, static_cast<int64_t>(std::max(tasks, 1)) * std::max(chunks_per_task, 1),
                         Pool::kMaxChunks});
  if (tasks <= 1 || chunks <= 1) {
    body(int64_t{0}, n);
    return;
  }
  struct Ctx {
    std::remove_reference_t<Body>* body;
    int64_t n, grain, units, chunks;
  } ctx{&body, n, grain, units, chunks};
  Pool::get().run(
      tasks, chunks,
      [](void* p, int64_t c) {
        auto* x = static_cast<Ctx*>(p);
        const int64_t u0 = x->units * c / x->chunks, u1 = x->units * (c + 1) / x->chunks;
        const int64_t b = std::min(u0 * x->grain, x->n), e = std::min(u1 * x->grain, x->n);
        if (b < e) (*x->body)(b, e);
      },
      &ctx);
}

/**
 * Threads worth using for `work` units when each should get at least `min_per_task`, capped by the
 * pool's thread count (so the number of chunks follows the threads that will run them; how the
 * output is chunked never changes a value, see the top of this file).
 */
inline int tasks_for(int64_t work, int64_t min_per_task) {
  if (work < 2 * min_per_task) return 1;
  return static_cast<int>(std::min<int64_t>(work / min_per_task, Pool::get().threads()));
}

}  // namespace gt
