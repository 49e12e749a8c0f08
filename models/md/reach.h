// Reach: which bitmap hooks md called and which md features a run drove,
// as counts. A hook or feature a campaign never reaches is a blind spot no
// property can see into, so reports list every one, reached or not.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace llsim {

enum class BitmapOp : uint8_t;

// Number of BitmapOp values (md_array.h); hooks are counted by op.
constexpr int kBitmapOpCount = 33;

struct Reach {
  std::array<uint64_t, kBitmapOpCount> hooks{};
  std::map<std::string, uint64_t> features;  // ordered: reports are stable

  void Hook(BitmapOp op) { hooks[(int)op]++; }
  void Feature(const std::string& name, uint64_t n = 1) { features[name] += n; }
  void Add(const Reach& other);
  // Every hook md can call and every feature the model has, reached or not,
  // by report name ("hook start_write", "feature bad block recorded").
  std::vector<std::pair<std::string, uint64_t>> Rows() const;
  // Parses one of Rows()' names back (campaign children send counts up).
  bool Set(const std::string& row_name, uint64_t count);
};

// The features the model can drive, so a run that reaches none of them
// still reports each as 0. A feature counted under another name is a bug:
// Reach::Rows lists it too, but the test of this list fails.
const std::vector<std::string>& ModelFeatures();

}  // namespace llsim
