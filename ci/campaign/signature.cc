// Failure signatures; see signature.h.
#include "ci/campaign/signature.h"

#include <cctype>
#include <cstring>
#include <set>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace llsim {

namespace {

bool IsHexDigit(char c) { return std::isxdigit((unsigned char)c); }

// Replaces numbers in one line: 0x.., decimal runs, and long hex words
// (hashes, addresses printed without 0x).
std::string ShapeLine(std::string_view line) {
  std::string out;
  size_t i = 0;
  auto word_start = [&](size_t k) { return k == 0 || !std::isalnum((unsigned char)line[k - 1]); };
  while (i < line.size()) {
    char c = line[i];
    if (c == '0' && i + 2 < line.size() && (line[i + 1] == 'x' || line[i + 1] == 'X') &&
        IsHexDigit(line[i + 2])) {
      i += 2;
      while (i < line.size() && IsHexDigit(line[i])) i++;
      out += 'N';
      continue;
    }
    if (word_start(i) && IsHexDigit(c)) {
      size_t j = i;
      bool digit = false;
      while (j < line.size() && IsHexDigit(line[j])) digit |= std::isdigit((unsigned char)line[j++]);
      bool ends = j == line.size() || !std::isalnum((unsigned char)line[j]);
      if (digit && ends && j - i >= 8) {
        out += 'N';
        i = j;
        continue;
      }
    }
    if (std::isdigit((unsigned char)c)) {
      while (i < line.size() && std::isdigit((unsigned char)line[i])) i++;
      out += 'N';
      continue;
    }
    // '#' starts a comment in --known files; tabs and control characters
    // would break the one-line formats.
    if (c == '#') c = '_';
    if (std::iscntrl((unsigned char)c)) c = ' ';
    if (c == ' ' && (out.empty() || out.back() == ' ')) {
      i++;
      continue;
    }
    out += c;
    i++;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace

std::string MessageShape(std::string_view message) {
  std::string_view first = message.substr(0, message.find('\n'));
  // "seen in <fiber>" names whoever ran when a step invariant looked, not
  // who made the change: the same bug is seen from many fibers.
  first = first.substr(0, first.find("; seen in "));
  std::string shape = ShapeLine(first);
  // md's description of the array ends with one "[sdX slot N in_sync]" per
  // member: which members, and in which state, is the case's geometry and
  // history, not a kind of failure (F8's unfinished syncs came back once
  // per member list).
  size_t group = shape.find(" [sd");
  if (group != std::string::npos && shape.find(" slot ", group) != std::string::npos) {
    size_t end = group;
    while (end < shape.size() && shape.compare(end, 4, " [sd") == 0) {
      size_t close = shape.find(']', end);
      if (close == std::string::npos) break;
      end = close + 1;
    }
    shape.replace(group, end - group, " [members]");
  }
  // How many more places show the same thing is a count, not a kind.
  for (const char* more : {" (and N more)", " and N more"}) {
    size_t at = shape.find(more);
    if (at != std::string::npos) shape.erase(at, std::strlen(more));
  }
  constexpr size_t kMax = 300;
  if (shape.size() > kMax) shape.resize(kMax);
  return shape;
}

std::string Signature(const Verdict& v) {
  std::string sig = v.property + ": " + MessageShape(v.message);
  // A stuck run names its blocked fibers on the following lines: which
  // channels the non-idle ones wait on tells one hang from another.
  std::set<std::string> channels;
  std::vector<absl::string_view> lines = absl::StrSplit(v.message, '\n');
  for (size_t i = 1; i < lines.size(); i++) {
    absl::string_view l = lines[i];
    size_t at = l.find("waits on '");
    if (at == absl::string_view::npos || l.find("(idle)") != absl::string_view::npos) continue;
    // Users queued behind another user's IO wait on the harness's own lock:
    // a consequence of whatever holds that IO up, not a kind of hang.
    if (l.find("waits on 'user IO range lock'") != absl::string_view::npos) continue;
    absl::string_view rest = l.substr(at + 10);
    absl::string_view name = rest.substr(0, rest.find('\''));
    channels.insert(ShapeLine(std::string_view(name.data(), name.size())));
  }
  if (!channels.empty()) sig += " [waits on '" + absl::StrJoin(channels, "', '") + "']";
  return sig;
}

std::string SignatureId(const std::string& property, const std::string& signature) {
  uint32_t h = 2166136261u;  // FNV-1a: stable across runs and machines
  for (unsigned char c : signature) {
    h ^= c;
    h *= 16777619u;
  }
  return absl::StrFormat("%s-%08x", property, h);
}

}  // namespace llsim
