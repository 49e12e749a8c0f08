// printk into the runtime's dmesg, and the WARN/BUG family, which report a
// failure of the core instead of oopsing.
#include <cstdarg>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/kshim/src/kshim.h"

using llsim::K;
using llsim::Kshim;

namespace {

// Like the kernel's file names in WARN splats: relative, so a report does
// not depend on where the tree lives.
const char* BaseName(const char* file) {
  const char* slash = file ? strrchr(file, '/') : nullptr;
  return slash ? slash + 1 : (file ? file : "?");
}

}  // namespace

extern "C" {

int printk(const char* fmt, ...) {
  Kshim& k = K(__func__);
  int level = Kshim::kDefaultLogLevel;
  if (fmt[0] == KERN_SOH[0] && fmt[1]) {
    if (fmt[1] >= '0' && fmt[1] <= '7') level = fmt[1] - '0';
    fmt += 2;
  }
  va_list ap, ap2;
  va_start(ap, fmt);
  va_copy(ap2, ap);
  int n = llsim_vsnprintf(nullptr, 0, fmt, ap);
  std::string text(n, '\0');
  llsim_vsnprintf(text.data(), text.size() + 1, fmt, ap2);
  va_end(ap2);
  va_end(ap);
  if (!text.empty() && text.back() == '\n') text.pop_back();
  k.Printk(text, level);
  return n;
}

void llsim_warn(const char* file, int line, const char* cond) {
  K(__func__).CoreBug(absl::StrCat("WARN at ", BaseName(file), ":", line, ": ", cond));
}

void llsim_bug(const char* file, int line, const char* cond) {
  Kshim& k = K(__func__);
  k.CoreBug(absl::StrCat("BUG at ", BaseName(file), ":", line, ": ", cond));
  k.HaltIfFiber();
}

}  // extern "C"
