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

// The actions (ActionBit mask) that NextState says take `from` to `to`;
// 0 when none does or either is no state. A table built once: the step
// checks ask this at every byte a core changes, and walking the actions
// through NextState each time was a quarter of a write-heavy run.
uint32_t ActionsTaking(uint8_t from, uint8_t to, bool degraded, bool raid456);

// A set of actions, as one operation of md's applies them: bits of the
// table's actions, plus two changes that are no row of the table: a fresh
// bitmap's initialisation at create (chunks Unwritten, Clean with
// --assume-clean, NeedSync where md overrules the recorded size, and on
// raid4/5/6 CleanUnwritten once the core has zeroed the members), and a
// resize marking the chunks it adds or gives up Unwritten (on raid4/5/6 also
// the chunk a grow starts inside NeedSync).
constexpr uint32_t ActionBit(ChunkAction a) { return 1u << (int)a; }
constexpr uint32_t kActInit = 1u << 30;
constexpr uint32_t kActResizeMark = 1u << 29;
// A reshape checkpoint's merge (reshape_mark): a chunk takes the most
// demanding state of the old chunks that held its data, so it may become
// Unwritten, Clean, Dirty or NeedSync from anything; the step check judges
// the merge itself (StepInvariants::OnReshapeMark).
constexpr uint32_t kActReshapeMerge = 1u << 28;

// Whether one of `actions` takes `from` to `to` (raid1), with the degraded
// override as the array may have been when the core read it: degraded
// (may_degraded), whole (may_whole), or either when it changed while the
// operation ran. Also: a walk forces a corrupt byte to NeedSync, and an
// action that can make a chunk Dirty or NeedSync "infects" its io block
// (idle chunks there become Dirty), never while degraded.
bool ActionsExplain(uint32_t actions, uint8_t from, uint8_t to, bool may_degraded,
                    bool may_whole, bool raid456 = false);

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
