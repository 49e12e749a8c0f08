// The compressed time axis; see time_axis.h.
#include "properties/time_axis.h"

#include <algorithm>
#include <cmath>

namespace llsim {

TimeAxis::TimeAxis(std::vector<Nanos> times, double width) : width_(width) {
  std::sort(times.begin(), times.end());
  times.erase(std::unique(times.begin(), times.end()), times.end());
  if (times.empty()) times.push_back(0);
  t_ = std::move(times);
  x_.assign(t_.size(), 0);
  // Every step gets a little room of its own, and more the longer it is.
  for (size_t i = 1; i < t_.size(); i++)
    x_[i] = x_[i - 1] + 0.3 + std::log2(1.0 + (double)(t_[i] - t_[i - 1]) / 1000.0);
  double total = x_.back();
  for (double& x : x_) x = total > 0 ? x * width_ / total : 0;
}

double TimeAxis::X(Nanos t) const {
  auto it = std::lower_bound(t_.begin(), t_.end(), t);
  if (it == t_.end()) return x_.back();
  size_t i = it - t_.begin();
  if (*it == t || i == 0) return x_[i];
  double f = (double)(t - t_[i - 1]) / (double)(t_[i] - t_[i - 1]);
  return x_[i - 1] + f * (x_[i] - x_[i - 1]);
}

std::vector<std::pair<double, Nanos>> TimeAxis::Ticks(double spacing) const {
  std::vector<std::pair<double, Nanos>> out;
  for (size_t i = 0; i < t_.size(); i++)
    if (out.empty() || x_[i] - out.back().first >= spacing) out.push_back({x_[i], t_[i]});
  return out;
}

}  // namespace llsim
