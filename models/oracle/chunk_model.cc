// The documented llbitmap state machine; see chunk_model.h.
#include "models/oracle/chunk_model.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace llsim {

using S = ChunkState;
using A = ChunkAction;

const char* ChunkStateName(uint8_t s) {
  static const char* names[] = {"Unwritten",         "Clean",           "Dirty",
                                "NeedSync",          "Syncing",         "NeedSyncUnwritten",
                                "SyncingUnwritten",  "CleanUnwritten"};
  return s < kChunkStates ? names[s] : "Invalid";
}

const char* ChunkActionName(ChunkAction a) {
  static const char* names[] = {"Startwrite", "Startsync", "Endsync",       "Abortsync",
                                "Reload",     "Daemon",    "Discard",       "Stale",
                                "ProactiveSync", "ClearUnwritten"};
  return names[(int)a];
}

static std::optional<ChunkState> Table(S s, A a) {
  switch (a) {
    case A::kStartwrite:
      switch (s) {
        case S::kUnwritten: case S::kClean: case S::kCleanUnwritten: return S::kDirty;
        case S::kNeedSyncUnwritten: return S::kNeedSync;
        case S::kSyncingUnwritten: return S::kSyncing;
        default: return std::nullopt;
      }
    case A::kStartsync:
      switch (s) {
        case S::kNeedSync: case S::kSyncing: return S::kSyncing;
        case S::kNeedSyncUnwritten: case S::kSyncingUnwritten: return S::kSyncingUnwritten;
        default: return std::nullopt;
      }
    case A::kEndsync:
      if (s == S::kSyncing) return S::kDirty;
      if (s == S::kSyncingUnwritten) return S::kCleanUnwritten;
      return std::nullopt;
    case A::kAbortsync:
      if (s == S::kSyncing) return S::kNeedSync;
      if (s == S::kNeedSyncUnwritten || s == S::kSyncingUnwritten) return S::kUnwritten;
      return std::nullopt;
    case A::kReload:
      if (s == S::kDirty || s == S::kSyncing) return S::kNeedSync;
      if (s == S::kNeedSyncUnwritten || s == S::kSyncingUnwritten) return S::kUnwritten;
      return std::nullopt;
    case A::kDaemon:
      if (s == S::kDirty) return S::kClean;
      return std::nullopt;
    case A::kDiscard:
      if (s == S::kUnwritten) return std::nullopt;
      return S::kUnwritten;
    case A::kStale:
      if (s == S::kClean || s == S::kDirty || s == S::kSyncing) return S::kNeedSync;
      if (s == S::kNeedSyncUnwritten || s == S::kSyncingUnwritten || s == S::kCleanUnwritten)
        return S::kUnwritten;
      return std::nullopt;
    case A::kProactiveSync:
      if (s == S::kUnwritten) return S::kNeedSyncUnwritten;
      return std::nullopt;
    case A::kClearUnwritten:
      if (s == S::kNeedSyncUnwritten || s == S::kSyncingUnwritten || s == S::kCleanUnwritten)
        return S::kUnwritten;
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<ChunkState> NextState(S s, A a, bool degraded, bool raid456) {
  std::optional<S> n = Table(s, a);
  // A failed mirror may have missed the writes of a Dirty chunk: the
  // daemon cleans nothing while the array is degraded.
  if (degraded && a == A::kDaemon) return std::nullopt;
  if (degraded) {
    if (n == S::kDirty && a == A::kStartwrite) return S::kNeedSync;
    if (s == S::kDirty && a == A::kStartsync) return S::kSyncing;
  } else if (raid456 && s == S::kUnwritten && a == A::kStartwrite) {
    return S::kNeedSync;
  }
  return n;
}

uint32_t ActionsTaking(uint8_t from, uint8_t to, bool degraded, bool raid456) {
  using Masks = std::array<uint32_t, 2 * 2 * kChunkStates * kChunkStates>;
  static const Masks masks = [] {
    Masks m{};
    for (int d = 0; d < 2; d++)
      for (int r = 0; r < 2; r++)
        for (int s = 0; s < kChunkStates; s++)
          for (int a = 0; a < kChunkActions; a++) {
            std::optional<S> n = NextState((S)s, (A)a, d, r);
            if (n) m[((d * 2 + r) * kChunkStates + s) * kChunkStates + (int)*n] |= ActionBit((A)a);
          }
    return m;
  }();
  if (from >= kChunkStates || to >= kChunkStates) return 0;
  return masks[((degraded * 2 + raid456) * kChunkStates + from) * kChunkStates + to];
}

bool ActionsExplain(uint32_t actions, uint8_t from, uint8_t to, bool may_degraded,
                    bool may_whole, bool raid456) {
  if (from == to) return true;
  if (actions & kActInit)
    return to == (uint8_t)S::kUnwritten || to == (uint8_t)S::kClean ||
           to == (uint8_t)S::kNeedSync || (raid456 && to == (uint8_t)S::kCleanUnwritten);
  if ((actions & kActReshapeMerge) &&
      (to == (uint8_t)S::kUnwritten || to == (uint8_t)S::kClean || to == (uint8_t)S::kDirty ||
       to == (uint8_t)S::kNeedSync))
    return true;
  if ((actions & kActResizeMark) && to == (uint8_t)S::kUnwritten) return true;
  // raid4/5/6: a grow that starts inside a chunk makes that chunk NeedSync
  // (rows whose parity no pass computed joined it).
  if ((actions & kActResizeMark) && raid456 && to == (uint8_t)S::kNeedSync &&
      (from == (uint8_t)S::kClean || from == (uint8_t)S::kDirty))
    return true;
  bool walks = actions & ((1u << kChunkActions) - 1);
  if (from >= kChunkStates) return walks && to == (uint8_t)S::kNeedSync;
  if (may_degraded && (actions & ActionsTaking(from, to, true, raid456))) return true;
  if (may_whole && (actions & ActionsTaking(from, to, false, raid456))) return true;
  constexpr uint32_t kMakesDirty = ActionBit(A::kStartwrite) | ActionBit(A::kEndsync) |
                                   ActionBit(A::kAbortsync) | ActionBit(A::kReload) |
                                   ActionBit(A::kStale);
  bool makes_dirty = actions & kMakesDirty;
  // Infection on raid456 makes an Unwritten neighbour NeedSync, not Dirty
  // (its parity was never computed).
  if (raid456 && makes_dirty && may_whole && from == (uint8_t)S::kUnwritten &&
      to == (uint8_t)S::kNeedSync)
    return true;
  return makes_dirty && may_whole && to == (uint8_t)S::kDirty &&
         (from == (uint8_t)S::kUnwritten || from == (uint8_t)S::kClean ||
          from == (uint8_t)S::kCleanUnwritten);
}

void TransitionCoverage::Record(uint8_t from, uint8_t to, bool degraded, bool raid456) {
  for (uint32_t m = ActionsTaking(from, to, degraded, raid456); m; m &= m - 1)
    hits_[from][__builtin_ctz(m)]++;
}

int TransitionCoverage::Covered() const {
  int n = 0;
  for (auto& row : hits_)
    for (uint64_t h : row) n += h != 0;
  return n;
}

std::string TransitionCoverage::Render() const {
  std::string out = absl::StrFormat("%-18s", "state \\ action");
  for (int a = 0; a < kChunkActions; a++)
    absl::StrAppendFormat(&out, " %5.5s", ChunkActionName((A)a));
  out += "\n";
  for (int s = 0; s < kChunkStates; s++) {
    absl::StrAppendFormat(&out, "%-18s", ChunkStateName(s));
    for (int a = 0; a < kChunkActions; a++) {
      bool possible = NextState((S)s, (A)a, false, false).has_value() ||
                      NextState((S)s, (A)a, true, false).has_value();
      if (!possible)
        out += "     .";
      else
        absl::StrAppendFormat(&out, " %5d", hits_[s][a]);
    }
    out += "\n";
  }
  return out;
}

}  // namespace llsim
