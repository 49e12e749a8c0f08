// Crash policies; see crash_policy.h.
#include "sim/crash_policy.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace llsim {

std::string CrashDecision::ToString() const {
  switch (verdict) {
    case kKeep: return "keep";
    case kDrop: return "drop";
    case kTear: {
      std::string s = "tear:";
      for (bool b : kept_blocks) s += b ? '1' : '0';
      return s;
    }
  }
  return "?";
}

namespace {

class FixedPolicy : public CrashPolicy {
 public:
  explicit FixedPolicy(bool keep) : keep_(keep) {}
  std::string Name() const override { return keep_ ? "keep" : "drop"; }
  CrashDecision Decide(const PendingWriteInfo&) override {
    return keep_ ? CrashDecision::Keep() : CrashDecision::Drop();
  }

 private:
  bool keep_;
};

class RandomPolicy : public CrashPolicy {
 public:
  RandomPolicy(Rng rng, unsigned keep, unsigned tear) : rng_(rng), keep_(keep), tear_(tear) {}
  std::string Name() const override { return absl::StrCat("random:", keep_, ":", tear_); }
  CrashDecision Decide(const PendingWriteInfo& w) override {
    uint64_t roll = rng_.Below(100);
    if (w.blocks > 1 && roll < tear_) {
      std::vector<bool> kept(w.blocks);
      for (uint32_t i = 0; i < w.blocks; i++) kept[i] = rng_.Chance(1, 2);
      return CrashDecision::Tear(std::move(kept));
    }
    return rng_.Below(100) < keep_ ? CrashDecision::Keep() : CrashDecision::Drop();
  }

 private:
  Rng rng_;
  unsigned keep_, tear_;
};

class ScriptedPolicy : public CrashPolicy {
 public:
  explicit ScriptedPolicy(std::vector<CrashDecision> s) : script_(std::move(s)) {}
  std::string Name() const override { return "scripted"; }
  CrashDecision Decide(const PendingWriteInfo& w) override {
    if (w.redundant) return CrashDecision::Drop();
    if (next_ >= script_.size()) return CrashDecision::Drop();
    CrashDecision d = script_[next_++];
    if (d.verdict == CrashDecision::kTear) d.kept_blocks.resize(w.blocks, false);
    return d;
  }

 private:
  std::vector<CrashDecision> script_;
  size_t next_ = 0;
};

}  // namespace

std::unique_ptr<CrashPolicy> MakeKeepAllPolicy() { return std::make_unique<FixedPolicy>(true); }
std::unique_ptr<CrashPolicy> MakeDropAllPolicy() { return std::make_unique<FixedPolicy>(false); }
std::unique_ptr<CrashPolicy> MakeRandomCrashPolicy(Rng rng, unsigned keep, unsigned tear) {
  return std::make_unique<RandomPolicy>(rng, keep, tear);
}
std::unique_ptr<CrashPolicy> MakeScriptedCrashPolicy(std::vector<CrashDecision> script) {
  return std::make_unique<ScriptedPolicy>(std::move(script));
}

absl::StatusOr<std::unique_ptr<CrashPolicy>> MakeCrashPolicy(const std::string& spec, Rng rng) {
  if (spec == "keep") return MakeKeepAllPolicy();
  if (spec == "drop") return MakeDropAllPolicy();
  if (spec == "random") return MakeRandomCrashPolicy(rng);
  // "script:<k|d per write>": the explorer's persistence subsets, one
  // letter per write in the order the disks present them (past the end:
  // drop), so a counterexample trace replays the exact subset.
  if (spec.rfind("script:", 0) == 0) {
    std::vector<CrashDecision> script;
    for (char c : spec.substr(7)) {
      if (c != 'k' && c != 'd')
        return absl::InvalidArgumentError(absl::StrCat(
            "crash policy '", spec, "': a script holds only k (keep) and d (drop)"));
      script.push_back(c == 'k' ? CrashDecision::Keep() : CrashDecision::Drop());
    }
    return MakeScriptedCrashPolicy(std::move(script));
  }
  std::vector<std::string> parts = absl::StrSplit(spec, ':');
  unsigned keep, tear;
  if (parts.size() == 3 && parts[0] == "random" && absl::SimpleAtoi(parts[1], &keep) &&
      absl::SimpleAtoi(parts[2], &tear) && keep <= 100 && tear <= 100)
    return MakeRandomCrashPolicy(rng, keep, tear);
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown crash policy '", spec,
      "' (use keep, drop, random, random:<keep%>:<tear%> or script:<k|d...>)"));
}

}  // namespace llsim
