// Chunk rows for the timeline page; see chunk_rows.h.
#include "properties/chunk_rows.h"

#include <algorithm>
#include <array>
#include <set>

#include "absl/strings/str_format.h"
#include "models/oracle/chunk_model.h"

namespace llsim {

int StateUrgency(int state) {
  switch ((ChunkState)state) {
    case ChunkState::kUnwritten: return 1;
    case ChunkState::kClean: return 2;
    case ChunkState::kCleanUnwritten: return 3;
    case ChunkState::kDirty: return 4;
    case ChunkState::kNeedSyncUnwritten: return 5;
    case ChunkState::kNeedSync: return 6;
    case ChunkState::kSyncingUnwritten: return 7;
    case ChunkState::kSyncing: return 8;
  }
  return 0;  // not known
}

std::string ChunkRow::Label() const {
  if (first == last) return absl::StrFormat("chunk %d", first);
  return absl::StrFormat("chunks %d-%d (%d changed)", first, last, changed);
}

namespace {

// The chunks whose known states at some place were not all the same.
std::set<uint64_t> ChangedChunks(const Timeline& tl, std::set<uint64_t>* seen) {
  std::map<std::pair<int, uint64_t>, int> first_state;
  std::set<uint64_t> changed;
  for (const ChunkStateChange& c : tl.Changes()) {
    seen->insert(c.chunk);
    if (c.state < 0) continue;
    auto [it, fresh] = first_state.try_emplace({c.where, c.chunk}, c.state);
    if (!fresh && it->second != c.state) changed.insert(c.chunk);
  }
  return changed;
}

// Sweeps one place's changes, keeping per row how many of its chunks hold
// each state, and closes a span whenever the row's shown state changes.
void SweepPlace(const Timeline& tl, int place, const std::map<uint64_t, size_t>& row_of,
                std::vector<ChunkRow>* rows) {
  constexpr int kNone = -2;
  struct Acc {
    std::array<int, kChunkStates + 1> count{};  // index state + 1
    int shown = kNone;
    Nanos since = 0;
  };
  std::vector<Acc> acc(rows->size());
  std::map<uint64_t, int> state_of;
  auto close = [&](size_t r, Nanos t) {
    Acc& a = acc[r];
    if (a.shown != kNone) (*rows)[r].spans[place].push_back({a.since, t, a.shown});
  };
  for (const ChunkStateChange& c : tl.Changes()) {
    if (c.where != place) continue;
    auto r = row_of.find(c.chunk);
    if (r == row_of.end()) continue;
    Acc& a = acc[r->second];
    auto [it, fresh] = state_of.try_emplace(c.chunk, c.state);
    if (!fresh) {
      a.count[it->second + 1]--;
      it->second = c.state;
    }
    a.count[c.state + 1]++;
    int shown = kNone;
    for (int s = -1; s < kChunkStates; s++)
      if (a.count[s + 1] && (shown == kNone || StateUrgency(s) > StateUrgency(shown))) shown = s;
    if (shown == a.shown) continue;
    close(r->second, c.t);
    a.shown = shown;
    a.since = c.t;
  }
  for (size_t r = 0; r < rows->size(); r++) close(r, tl.EndTime());
}

}  // namespace

ChunkRows BuildChunkRows(const Timeline& tl, size_t max_rows) {
  ChunkRows out;
  std::set<uint64_t> seen;
  std::set<uint64_t> changed = ChangedChunks(tl, &seen);
  out.chunks_seen = seen.size();
  out.chunks_changed = changed.size();
  std::vector<uint64_t> shown(changed.begin(), changed.end());
  // Nothing changed: the first few chunks still show what they held.
  if (shown.empty())
    for (uint64_t c : seen) {
      if (shown.size() >= std::min<size_t>(max_rows, 16)) break;
      shown.push_back(c);
    }
  if (shown.empty()) return out;
  size_t per_row = (shown.size() + max_rows - 1) / std::max<size_t>(max_rows, 1);
  out.bucketed = per_row > 1;
  std::map<uint64_t, size_t> row_of;
  for (size_t i = 0; i < shown.size(); i++) {
    if (i % per_row == 0) out.rows.push_back({shown[i], shown[i], 0, {}});
    out.rows.back().last = shown[i];
    out.rows.back().changed += changed.count(shown[i]) ? 1 : 0;
    row_of[shown[i]] = out.rows.size() - 1;
  }
  std::set<int> places;
  for (const ChunkStateChange& c : tl.Changes()) places.insert(c.where);
  out.places.assign(places.begin(), places.end());  // kMemory (-1) sorts first
  for (int p : out.places) SweepPlace(tl, p, row_of, &out.rows);
  return out;
}

}  // namespace llsim
