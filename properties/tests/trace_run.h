// For scenario tests: run a trace given as text on the configured core
// (keeping its events), and look for a line md or the runner noted.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "properties/runner.h"
#include "traces/trace_format.h"

namespace llsim {

inline RunResult RunTraceText(const std::string& text, const char* name,
                              bool keep_events = true) {
  auto t = ParseTrace(text, name);
  EXPECT_TRUE(t.ok()) << t.status();
  if (!t.ok()) return {};
  RunOptions o;
  o.keep_events = keep_events;
  return RunScenario(t->scenario, o);
}

inline bool Noted(const RunResult& r, const std::string& text) {
  for (const Event& e : r.event_list)
    if (e.text.find(text) != std::string::npos) return true;
  return false;
}

}  // namespace llsim
