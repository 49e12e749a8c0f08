// Known failures for --known: an earlier report.json (every signature in
// it), or a plain list, one signature a line, '#' starting a comment (the
// signatures.txt a campaign writes is such a list).
#pragma once

#include <set>
#include <string>

#include "absl/status/statusor.h"

namespace llsim {

absl::StatusOr<std::set<std::string>> ReadKnownSignatures(const std::string& path);
absl::StatusOr<std::set<std::string>> ParseKnownSignatures(const std::string& text,
                                                           const std::string& origin);

}  // namespace llsim
