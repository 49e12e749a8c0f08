// Known-failure files; see known.h.
#include "ci/campaign/known.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "ci/campaign/report_json.h"

namespace llsim {

absl::StatusOr<std::set<std::string>> ParseKnownSignatures(const std::string& text,
                                                           const std::string& origin) {
  std::set<std::string> out;
  if (absl::StartsWith(absl::StripLeadingAsciiWhitespace(text), "{")) {
    absl::StatusOr<CampaignReport> r = ParseReportJson(text, origin);
    if (!r.ok()) return r.status();
    for (const auto& [sig, e] : r->signatures) out.insert(sig);
    return out;
  }
  int lineno = 0;
  for (absl::string_view raw : absl::StrSplit(text, '\n')) {
    lineno++;
    absl::string_view line = absl::StripAsciiWhitespace(raw.substr(0, raw.find('#')));
    if (line.empty()) continue;
    // Signatures are "property: shape"; anything else is not one.
    if (line.find(": ") == absl::string_view::npos || line.find(' ') < line.find(": "))
      return absl::InvalidArgumentError(absl::StrCat(
          origin, ":", lineno, ": not a signature (expected 'property: message shape')"));
    out.insert(std::string(line));
  }
  return out;
}

absl::StatusOr<std::set<std::string>> ReadKnownSignatures(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("--known ", path, ": cannot open"));
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseKnownSignatures(ss.str(), path);
}

}  // namespace llsim
