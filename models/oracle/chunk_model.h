// The documented llbitmap per-chunk state machine, independent of any
// core: the state table with the degraded and raid456 overrides, used to
// judge every state change a core makes and to count which (state,
// action) pairs a run has exercised.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace llsim {

enum class ChunkState : uint8_t {
  kUnwritten = 0,
  kClean,
  kDirty,
  kNeedSync,
  kSyncing,
  kNeedSyncUnwritten,
  kSyncingUnwritten,
  kCleanUnwritten,
};
constexpr int kChunkStates = 8;

enum class ChunkAction : uint8_t {
  kStartwrite = 0,
  kStartsync,
  kEndsync,
  kAbortsync,
  kReload,
  kDaemon,
  kDiscard,
  kStale,
  kProactiveSync,
  kClearUnwritten,
};
constexpr int kChunkActions = 10;

const char* ChunkStateName(uint8_t s);
const char* ChunkActionName(ChunkAction a);

// The state `a` leaves `s` in, or nullopt when the table says "no change".
std::optional<ChunkState> NextState(ChunkState s, ChunkAction a, bool degraded, bool raid456);

// True if some action (with the overrides) takes `from` to `to`, or if the
// change is a (re)initialisation to Unwritten/Clean (create, resize).
bool TransitionAllowed(uint8_t from, uint8_t to, bool degraded, bool raid456);
// The actions that could explain from -> to.
std::string ExplainTransition(uint8_t from, uint8_t to, bool degraded, bool raid456);

// Which (state, action) pairs a run has exercised, for the coverage report.
class TransitionCoverage {
 public:
  void Record(uint8_t from, uint8_t to, bool degraded, bool raid456);
  int Covered() const;
  std::string Render() const;

 private:
  std::array<std::array<uint64_t, kChunkActions>, kChunkStates> hits_{};
};

}  // namespace llsim
