// `llsim show FILE --html OUT`: one self-contained HTML page (inline CSS and
// SVG, no script, nothing fetched) drawing a replayed trace on one virtual
// time axis: each chunk's state in the core's memory and on each member's
// media, every member's IO (submitted, completed, on the media), crashes,
// faults, member failures, the failure found, the trace's operations and
// the core's log lines. The same trace gives the same bytes.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "properties/runner.h"
#include "properties/timeline.h"

namespace llsim {

struct HtmlTimelineInput {
  std::string title;         // what the page shows (the trace's path)
  std::string core;          // the core that ran it
  const RunResult* result;   // with its event list (RunOptions::keep_events)
  const Timeline* timeline;  // recorded by the same run
};

std::string RenderHtmlTimeline(const HtmlTimelineInput& in);

// Renders and writes the page; the error names `path`.
absl::Status WriteHtmlTimeline(const std::string& path, const HtmlTimelineInput& in);

// Whether a page could be written to `path` (its directory exists and is
// writable, and it is not a directory), checked before a run is spent.
absl::Status CheckHtmlPath(const std::string& path);

}  // namespace llsim
