// The horizontal axis of `llsim show --html`: virtual time, with each gap
// between two moments something happened drawn by the log of its length,
// so microsecond bursts of IO and idle periods of minutes both fit one
// page. Order is kept (a later moment is never left of an earlier one);
// the ticks say the real virtual time.
#pragma once

#include <utility>
#include <vector>

#include "sim/clock.h"

namespace llsim {

class TimeAxis {
 public:
  // `times`: the moments drawn (any order, repeats allowed); `width` px.
  TimeAxis(std::vector<Nanos> times, double width);
  double Width() const { return width_; }
  // Where `t` is; a moment between two known ones lies between them.
  double X(Nanos t) const;
  // Moments at least `spacing` px apart to label the axis with.
  std::vector<std::pair<double, Nanos>> Ticks(double spacing) const;

 private:
  std::vector<Nanos> t_;
  std::vector<double> x_;
  double width_;
};

}  // namespace llsim
