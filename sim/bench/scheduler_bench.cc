// Scheduler micro-benchmarks: fiber switch cost and event dispatch rate.
// Figures are reported, never asserted (speed lives in benchmarks).
#include <benchmark/benchmark.h>

#include "sim/scheduler.h"

namespace llsim {
namespace {

// Two fibers ping-pong through preemption points under the random
// strategy: each iteration is one preemption with a switch away and back.
void BM_FiberSwitch(benchmark::State& state) {
  VirtualClock clock(250);
  EventLog log(0);
  SchedulerOptions opts;
  opts.record_choices = false;
  Scheduler s(clock, log, MakeRandomStrategy(Rng(1)), opts);
  bool stop = false;
  uint64_t n = 0;
  for (int i = 0; i < 2; i++)
    s.Spawn("pingpong", [&] {
      while (!stop) {
        n++;
        s.Preempt();
      }
    });
  for (auto _ : state) {
    uint64_t target = n + 1000;
    s.Run([&] { return n >= target; });
  }
  stop = true;
  s.Run();
  state.counters["switches/s"] =
      benchmark::Counter((double)s.SwitchCount(), benchmark::Counter::kIsRate);
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_FiberSwitch);

// A block/wake round trip between two fibers (a mutex hand-off).
void BM_BlockWake(benchmark::State& state) {
  VirtualClock clock(250);
  EventLog log(0);
  SchedulerOptions opts;
  opts.record_choices = false;
  Scheduler s(clock, log, MakeFifoStrategy(), opts);
  WaitList a("a"), b("b");
  bool stop = false;
  uint64_t n = 0;
  s.Spawn("ping", [&] {
    while (!stop) {
      n++;
      s.WakeAll(b);
      s.Block(a, BlockKind::kIdle);
    }
  });
  s.Spawn("pong", [&] {
    while (!stop) {
      s.WakeAll(a);
      s.Block(b, BlockKind::kIdle);
    }
  });
  for (auto _ : state) {
    uint64_t target = n + 1000;
    s.Run([&] { return n >= target; });
  }
  stop = true;
  s.WakeAll(a);
  s.WakeAll(b);
  s.Run();
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_BlockWake);

// Handlers posted to the io_context and dispatched by the run loop.
void BM_EventDispatch(benchmark::State& state) {
  VirtualClock clock(250);
  EventLog log(0);
  Scheduler s(clock, log, MakeFifoStrategy());
  uint64_t n = 0;
  for (auto _ : state) {
    for (int i = 0; i < 1000; i++) s.Post([&] { n++; });
    s.Run();
  }
  benchmark::DoNotOptimize(n);
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_EventDispatch);

// Timers on the virtual clock: arm, jump the clock, fire.
void BM_TimerDispatch(benchmark::State& state) {
  VirtualClock clock(250);
  EventLog log(0);
  Scheduler s(clock, log, MakeFifoStrategy());
  uint64_t n = 0;
  for (auto _ : state) {
    for (int i = 0; i < 1000; i++) s.CallAfter((i % 17 + 1) * kNsPerMs, [&] { n++; });
    s.Run();
  }
  benchmark::DoNotOptimize(n);
  state.SetItemsProcessed(state.iterations() * 1000);
}
BENCHMARK(BM_TimerDispatch);

}  // namespace
}  // namespace llsim

BENCHMARK_MAIN();
