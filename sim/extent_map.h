// A map from sector ranges to values in which every sector not stored holds
// V{}: storage grows with the ranges written, not with the address space,
// so a 16 TiB disk costs what its writes cost. Extents are kept disjoint
// and, where neighbours touch with equal values, merged. Ordered by sector,
// so walking it is deterministic.
#pragma once

#include <cstdint>
#include <iterator>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"

namespace llsim {

template <typename V>
class ExtentMap {
 public:
  struct Extent {
    uint64_t end;  // exclusive
    V value;
  };

  V Get(uint64_t pos) const {
    auto it = m_.upper_bound(pos);
    if (it == m_.begin()) return V{};
    --it;
    return pos < it->second.end ? it->second.value : V{};
  }

  // Sets [begin, end) to v; V{} erases the range.
  void Assign(uint64_t begin, uint64_t end, const V& v) {
    if (begin >= end) return;
    if (AssignLocal(begin, end, v)) return;
    SplitAt(begin);
    SplitAt(end);
    m_.erase(m_.lower_bound(begin), m_.lower_bound(end));
    if (v == V{}) return;
    // Merge with touching neighbours of the same value. (A btree erase
    // invalidates every iterator: only keys survive it.)
    uint64_t start = begin, stop = end;
    auto next = m_.lower_bound(end);
    if (next != m_.end() && next->first == end && next->second.value == v)
      stop = next->second.end;
    if (next != m_.begin()) {
      auto prev = std::prev(next);
      if (prev->second.end == begin && prev->second.value == v) start = prev->first;
    }
    if (start != begin || stop != end) m_.erase(m_.lower_bound(start), m_.lower_bound(stop));
    m_.emplace(start, Extent{stop, v});
  }

  // Calls fn(b, e, value) for consecutive pieces covering [begin, end) in
  // order, gaps included (as V{}). fn must not modify the map.
  template <typename F>
  void Visit(uint64_t begin, uint64_t end, F&& fn) const {
    uint64_t pos = begin;
    auto it = m_.upper_bound(begin);
    if (it != m_.begin() && std::prev(it)->second.end > begin) --it;
    for (; pos < end && it != m_.end() && it->first < end; ++it) {
      if (it->first > pos) {
        fn(pos, it->first, V{});
        pos = it->first;
      }
      uint64_t e = it->second.end < end ? it->second.end : end;
      fn(pos, e, it->second.value);
      pos = e;
    }
    if (pos < end) fn(pos, end, V{});
  }

  // Replaces the value of each piece of [begin, end) (gaps included) by
  // fn(value).
  template <typename F>
  void Update(uint64_t begin, uint64_t end, F&& fn) {
    std::vector<std::pair<std::pair<uint64_t, uint64_t>, V>> pieces;
    Visit(begin, end, [&](uint64_t b, uint64_t e, const V& v) {
      V nv = fn(v);
      if (!(nv == v)) pieces.push_back({{b, e}, nv});
    });
    for (auto& [r, v] : pieces) Assign(r.first, r.second, v);
  }

  // Forgets everything at or past pos.
  void EraseFrom(uint64_t pos) {
    SplitAt(pos);
    m_.erase(m_.lower_bound(pos), m_.end());
  }

  void Clear() { m_.clear(); }
  // Folds every extent (begin, end, value) into h with mix(h, word): extents
  // are canonical (merged, V{} never stored), so equal maps hash equally.
  template <typename Mix>
  uint64_t Fold(uint64_t h, Mix&& mix) const {
    for (const auto& [b, e] : m_) h = mix(mix(mix(h, b), e.end), (uint64_t)e.value);
    return h;
  }
  bool Empty() const { return m_.empty(); }
  size_t ExtentCount() const { return m_.size(); }
  // Stored extents, by start: pairs of (begin, Extent).
  auto begin() const { return m_.begin(); }
  auto end() const { return m_.end(); }

 private:
  // The common cases with one lookup instead of seven (a fresh write into
  // a gap, a rewrite of the same value): this map is under every member
  // write and every data oracle update. False if [begin, end) meets more
  // than a gap and its neighbours, or one extent of another value.
  bool AssignLocal(uint64_t begin, uint64_t end, const V& v) {
    auto next = m_.upper_bound(begin);
    bool has_prev = next != m_.begin();
    auto prev = has_prev ? std::prev(next) : next;
    if (has_prev && prev->second.end > begin)
      return prev->second.value == v && end <= prev->second.end;  // inside, same value
    if (next != m_.end() && next->first < end) return false;
    // [begin, end) lies in a gap.
    if (v == V{}) return true;
    bool join_prev = has_prev && prev->second.end == begin && prev->second.value == v;
    bool join_next = next != m_.end() && next->first == end && next->second.value == v;
    if (join_prev && join_next) {
      prev->second.end = next->second.end;
      m_.erase(next);
    } else if (join_prev) {
      prev->second.end = end;
    } else if (join_next) {
      Extent e{next->second.end, v};
      m_.emplace_hint(m_.erase(next), begin, e);
    } else {
      m_.emplace_hint(next, begin, Extent{end, v});
    }
    return true;
  }

  // Makes pos an extent boundary (splits the extent that straddles it).
  void SplitAt(uint64_t pos) {
    auto it = m_.upper_bound(pos);
    if (it == m_.begin()) return;
    --it;
    if (it->first < pos && pos < it->second.end) {
      Extent tail{it->second.end, it->second.value};
      it->second.end = pos;
      m_.emplace_hint(std::next(it), pos, tail);
    }
  }

  absl::btree_map<uint64_t, Extent> m_;
};

}  // namespace llsim
