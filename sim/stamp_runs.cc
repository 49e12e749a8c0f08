// Run-length stamps of a data IO; see stamp_runs.h.
#include "sim/stamp_runs.h"

#include <algorithm>

namespace llsim {

StampRuns& StampRuns::operator=(std::initializer_list<uint64_t> stamps) {
  runs_.clear();
  for (uint64_t s : stamps) push_back(s);
  return *this;
}

void StampRuns::assign(uint64_t n, uint64_t stamp) {
  runs_.clear();
  Append(n, stamp);
}

void StampRuns::Append(uint64_t n, uint64_t stamp) {
  if (n == 0) return;
  if (!runs_.empty() && runs_.back().stamp == stamp) {
    runs_.back().end += n;
  } else {
    runs_.push_back({size() + n, stamp});
  }
}

uint64_t StampRuns::operator[](uint64_t i) const {
  auto it = std::upper_bound(runs_.begin(), runs_.end(), i,
                             [](uint64_t v, const Run& r) { return v < r.end; });
  return it == runs_.end() ? 0 : it->stamp;
}

std::vector<uint64_t> StampRuns::Expand() const {
  std::vector<uint64_t> out;
  out.reserve(size());
  uint64_t start = 0;
  for (const Run& r : runs_) {
    out.insert(out.end(), r.end - start, r.stamp);
    start = r.end;
  }
  return out;
}

bool operator==(const StampRuns& a, const StampRuns& b) {
  return a.runs_.size() == b.runs_.size() &&
         std::equal(a.runs_.begin(), a.runs_.end(), b.runs_.begin(),
                    [](const StampRuns::Run& x, const StampRuns::Run& y) {
                      return x.end == y.end && x.stamp == y.stamp;
                    });
}

bool operator==(const StampRuns& a, const std::vector<uint64_t>& b) {
  if (a.size() != b.size()) return false;
  uint64_t i = 0;
  for (const StampRuns::Run& r : a.runs_)
    for (; i < r.end; i++)
      if (b[i] != r.stamp) return false;
  return true;
}

void PrintTo(const StampRuns& s, std::ostream* os) {
  *os << "{";
  uint64_t start = 0;
  for (const StampRuns::Run& r : s.runs_) {
    if (start) *os << ", ";
    *os << (r.end - start) << " x " << r.stamp;
    start = r.end;
  }
  *os << "}";
}

}  // namespace llsim
