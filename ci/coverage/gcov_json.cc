// gcov JSON reading; see gcov_json.h. Boost's property tree is enough for
// gcov's flat format (numbers and booleans come back as text).
#include "ci/coverage/gcov_json.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>

#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>

#include "absl/strings/str_cat.h"

namespace llsim {

namespace {

using boost::property_tree::ptree;

std::string BaseName(const std::string& p) { return std::filesystem::path(p).filename().string(); }

}  // namespace

absl::StatusOr<FileCoverage> ParseGcovJson(const std::string& json,
                                           const std::string& source_name) {
  ptree root;
  try {
    std::istringstream in(json);
    boost::property_tree::read_json(in, root);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("gcov output is not valid JSON: ", e.what()));
  }
  auto files = root.get_child_optional("files");
  if (!files)
    return absl::InvalidArgumentError("gcov output has no \"files\" (not gcov --json-format)");
  std::vector<std::string> seen;
  try {
    for (const auto& [unused, f] : *files) {
      std::string name = f.get<std::string>("file", "");
      seen.push_back(name);
      if (BaseName(name) != source_name) continue;
      FileCoverage out;
      out.file = name;
      // A line can be listed more than once (code of two functions on it).
      std::map<int, LineCount> lines;
      if (auto ls = f.get_child_optional("lines")) {
        for (const auto& [u, l] : *ls) {
          int n = l.get<int>("line_number");
          LineCount& lc = lines[n];
          lc.line = n;
          lc.count += l.get<uint64_t>("count");
          if (auto bs = l.get_child_optional("branches"))
            for (const auto& [ub, b] : *bs)
              if (b.get<std::string>("throw", "false") != "true")
                lc.branches.push_back(b.get<uint64_t>("count"));
        }
      }
      for (auto& [n, lc] : lines) out.lines.push_back(std::move(lc));
      if (auto fs = f.get_child_optional("functions")) {
        for (const auto& [u, fn] : *fs) {
          FunctionCount fc;
          fc.name = fn.get<std::string>("demangled_name", fn.get<std::string>("name", "?"));
          fc.start_line = fn.get<int>("start_line");
          fc.end_line = fn.get<int>("end_line");
          fc.calls = fn.get<uint64_t>("execution_count");
          out.functions.push_back(std::move(fc));
        }
      }
      std::sort(out.functions.begin(), out.functions.end(),
                [](const FunctionCount& a, const FunctionCount& b) {
                  return a.start_line != b.start_line ? a.start_line < b.start_line
                                                      : a.name < b.name;
                });
      return out;
    }
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("gcov output: unexpected shape: ", e.what()));
  }
  std::string names;
  for (const std::string& s : seen) absl::StrAppend(&names, names.empty() ? "" : ", ", s);
  return absl::NotFoundError(absl::StrCat("gcov output has no file named ", source_name, " (has: ",
                                          names.empty() ? "none" : names, ")"));
}

}  // namespace llsim
