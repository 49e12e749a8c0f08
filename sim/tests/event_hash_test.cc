// The event hash's fast word step gives the bytewise FNV-1a value exactly:
// every stored trace's expect-hash depends on it.
#include <gtest/gtest.h>

#include "sim/event_log.h"
#include "sim/rng.h"

namespace llsim {
namespace {

TEST(EventHashTest, FastWordStepIsBytewiseFnv) {
  Rng rng(3);
  std::vector<uint64_t> words = {0, 1, 0xff, 0x100, 0xff00, ~0ull, 1ull << 63, 0x00ff00ff00ff00ffull};
  for (int i = 0; i < 10000; i++) {
    // Every width, with zero bytes inside and on top.
    uint64_t w = rng.Next() >> rng.Below(64);
    if (rng.Chance(1, 3)) w &= ~(0xffull << (8 * rng.Below(8)));
    words.push_back(w);
  }
  uint64_t h = 0xcbf29ce484222325ull;
  for (uint64_t w : words) {
    ASSERT_EQ(MixWord(h, w), MixWordBytewise(h, w)) << std::hex << w;
    h = MixWordBytewise(h, w);
  }
}

TEST(EventHashTest, KnownStreamHash) {
  // A fixed stream's hash, as it was before the fast step: stored traces
  // keep replaying to the hash they recorded.
  EventLog log(0);
  log.Record({5, EventKind::kDiskSubmit, 1, 2048, 8, "write #1 tag"});
  log.Record({7'000'000'123, EventKind::kSchedChoice, 42, 3, 1});
  log.Record({7'000'000'123, EventKind::kNote, 0, 0, 0, ""});
  uint64_t h = 0xcbf29ce484222325ull;
  auto event = [&](uint64_t t, uint64_t k, uint64_t a, uint64_t b, uint64_t c,
                   const std::string& text) {
    for (uint64_t w : {t, k, a, b, c}) h = MixWordBytewise(h, w);
    h = Fnv1a(text, h);
    h = MixWordBytewise(h, text.size());
  };
  event(5, (uint64_t)EventKind::kDiskSubmit, 1, 2048, 8, "write #1 tag");
  event(7'000'000'123, (uint64_t)EventKind::kSchedChoice, 42, 3, 1, "");
  event(7'000'000'123, (uint64_t)EventKind::kNote, 0, 0, 0, "");
  EXPECT_EQ(log.Hash(), h);
}

}  // namespace
}  // namespace llsim
