// Overridable, recordable scheduling decisions; see choice_strategy.h.
#include "sim/choice_strategy.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "sim/scheduler.h"

namespace llsim {
namespace {

class ChoiceStrategy : public Strategy {
 public:
  ChoiceStrategy(std::unique_ptr<Strategy> inner, ScheduleOverrides o, bool record)
      : inner_(std::move(inner)), overrides_(std::move(o)), record_(record) {}

  // The inner name: a trace keeps its strategy line, the overrides are
  // their own line.
  std::string Name() const override { return inner_->Name(); }
  void OnSpawn(Fiber& f) override { inner_->OnSpawn(f); }
  bool Diverged() const override { return inner_->Diverged(); }

  size_t Pick(const std::vector<Fiber*>& c, int current) override {
    uint64_t k = next_++;
    size_t idx = inner_->Pick(c, current);
    last_override_ = -1;
    auto it = overrides_.find(k);
    if (it != overrides_.end() && it->second < c.size()) {
      idx = it->second;
      last_override_ = (int64_t)k;
    }
    size_t dflt = current >= 0 ? (size_t)current : 0;
    if (record_ && idx != dflt) recorded_[k] = (uint32_t)idx;
    return idx;
  }

  bool LetTimePass(uint64_t gap) override {
    uint64_t k = next_++;
    bool pass = inner_->LetTimePass(gap);
    last_override_ = -1;
    auto it = overrides_.find(k);
    if (it != overrides_.end() && it->second <= 1) {
      pass = it->second == 1;
      last_override_ = (int64_t)k;
    }
    if (record_ && pass) recorded_[k] = 1;
    return pass;
  }

  const ScheduleOverrides* Recorded() const override { return record_ ? &recorded_ : nullptr; }
  int64_t LastOverride() const override { return last_override_; }

 private:
  std::unique_ptr<Strategy> inner_;
  ScheduleOverrides overrides_;
  bool record_;
  uint64_t next_ = 0;
  int64_t last_override_ = -1;
  ScheduleOverrides recorded_;
};

}  // namespace

std::unique_ptr<Strategy> MakeChoiceStrategy(std::unique_ptr<Strategy> inner,
                                             ScheduleOverrides overrides, bool record) {
  return std::make_unique<ChoiceStrategy>(std::move(inner), std::move(overrides), record);
}

std::string FormatScheduleOverrides(const ScheduleOverrides& o) {
  return absl::StrJoin(o, " ", [](std::string* out, const auto& kv) {
    absl::StrAppend(out, kv.first, "=", kv.second);
  });
}

absl::Status ParseScheduleOverride(const std::string& word, ScheduleOverrides* o) {
  size_t eq = word.find('=');
  uint64_t k;
  uint32_t i;
  if (eq == std::string::npos || !absl::SimpleAtoi(word.substr(0, eq), &k) ||
      !absl::SimpleAtoi(word.substr(eq + 1), &i))
    return absl::InvalidArgumentError(absl::StrCat(
        "'", word, "' is not <decision>=<choice> (two non-negative numbers)"));
  if (!o->emplace(k, i).second)
    return absl::InvalidArgumentError(absl::StrCat("decision ", k, " is overridden twice"));
  return absl::OkStatus();
}

}  // namespace llsim
