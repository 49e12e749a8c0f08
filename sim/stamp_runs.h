// The stamps a data IO carries, one per 512-byte sector, stored as runs of
// equal stamps: a user write is one run however long it is, and a sync IO
// copies the few runs it read. Reads like a std::vector<uint64_t> (size,
// operator[], assign, comparison with a vector) so small IOs in tests
// stay plain to write.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <vector>

namespace llsim {

class StampRuns {
 public:
  struct Run {
    uint64_t end;  // exclusive, counted from the first sector of the IO
    uint64_t stamp;
  };

  StampRuns() = default;
  StampRuns(std::initializer_list<uint64_t> stamps) { *this = stamps; }
  StampRuns& operator=(std::initializer_list<uint64_t> stamps);

  // n sectors of one stamp, replacing what was there.
  void assign(uint64_t n, uint64_t stamp);
  // n more sectors of `stamp` at the end.
  void Append(uint64_t n, uint64_t stamp);
  void push_back(uint64_t stamp) { Append(1, stamp); }
  void clear() { runs_.clear(); }

  uint64_t size() const { return runs_.empty() ? 0 : runs_.back().end; }
  bool empty() const { return runs_.empty(); }
  // The stamp of sector i (O(log runs)).
  uint64_t operator[](uint64_t i) const;
  const std::vector<Run>& Runs() const { return runs_; }
  // Calls fn(b, e, stamp) for the runs within [begin, end), clipped.
  template <typename F>
  void Visit(uint64_t begin, uint64_t end, F&& fn) const {
    uint64_t start = 0;
    for (const Run& r : runs_) {
      uint64_t b = start > begin ? start : begin, e = r.end < end ? r.end : end;
      if (b < e) fn(b, e, r.stamp);
      start = r.end;
      if (start >= end) break;
    }
  }
  std::vector<uint64_t> Expand() const;

  // Runs are kept merged, so equal contents have equal runs.
  friend bool operator==(const StampRuns& a, const StampRuns& b);
  friend bool operator==(const StampRuns& a, const std::vector<uint64_t>& b);
  friend void PrintTo(const StampRuns& s, std::ostream* os);

 private:
  std::vector<Run> runs_;
};

}  // namespace llsim
