// The kernel's vsnprintf for the conversions cores use, written for the
// simulation: %p and every %p<ext> never print an address (it would make
// output differ from run to run), and %pg prints a block device's name.
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "core/kshim/include/md-bitmap.h"

namespace {

// Writes what fits (leaving room for the NUL) and counts everything.
class Out {
 public:
  Out(char* buf, size_t size) : buf_(buf), size_(size) {}
  void Put(char c) {
    if (len_ + 1 < size_) buf_[len_] = c;
    len_++;
  }
  void Repeat(char c, int n) {
    for (int i = 0; i < n; i++) Put(c);
  }
  void Finish() {
    if (size_) buf_[len_ < size_ ? len_ : size_ - 1] = '\0';
  }
  size_t Total() const { return len_; }
  size_t Written() const { return size_ ? (len_ < size_ ? len_ : size_ - 1) : 0; }

 private:
  char* buf_;
  size_t size_;
  size_t len_ = 0;
};

struct Spec {
  bool left = false, plus = false, space = false, alt = false, zero = false;
  int width = 0;
  int precision = -1;  // none
  enum Length { kNone, kHH, kH, kL, kLL, kZ, kT, kJ } length = kNone;
};

void PutString(Out& out, const char* s, const Spec& spec) {
  if (!s) s = "(null)";
  size_t n = strnlen(s, spec.precision >= 0 ? (size_t)spec.precision : SIZE_MAX);
  int pad = spec.width > (int)n ? spec.width - (int)n : 0;
  if (!spec.left) out.Repeat(' ', pad);
  for (size_t i = 0; i < n; i++) out.Put(s[i]);
  if (spec.left) out.Repeat(' ', pad);
}

void PutNumber(Out& out, unsigned long long v, bool negative, bool is_signed, unsigned base,
               bool upper, const Spec& spec) {
  char digits[72];
  int nd = 0;
  const char* set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  if (!(v == 0 && spec.precision == 0)) {
    do {
      digits[nd++] = set[v % base];
      v /= base;
    } while (v);
  }
  bool nonzero = nd > 0 && !(nd == 1 && digits[0] == '0');
  char prefix[3];
  int np = 0;
  if (is_signed) {
    if (negative) prefix[np++] = '-';
    else if (spec.plus) prefix[np++] = '+';
    else if (spec.space) prefix[np++] = ' ';
  }
  if (spec.alt && base == 16 && nonzero) {
    prefix[np++] = '0';
    prefix[np++] = upper ? 'X' : 'x';
  }
  int zeros = spec.precision > nd ? spec.precision - nd : 0;
  if (spec.alt && base == 8 && zeros == 0 && (nd == 0 || digits[nd - 1] != '0')) zeros = 1;
  int body = np + zeros + nd;
  int pad = spec.width > body ? spec.width - body : 0;
  if (spec.zero && !spec.left && spec.precision < 0) {
    zeros += pad;
    pad = 0;
  }
  if (!spec.left) out.Repeat(' ', pad);
  for (int i = 0; i < np; i++) out.Put(prefix[i]);
  out.Repeat('0', zeros);
  while (nd) out.Put(digits[--nd]);
  if (spec.left) out.Repeat(' ', pad);
}

long long SignedArg(va_list& ap, Spec::Length len) {
  switch (len) {
    case Spec::kHH: return (signed char)va_arg(ap, int);
    case Spec::kH: return (short)va_arg(ap, int);
    case Spec::kL: return va_arg(ap, long);
    case Spec::kLL: return va_arg(ap, long long);
    case Spec::kZ: return va_arg(ap, ssize_t);
    case Spec::kT: return va_arg(ap, ptrdiff_t);
    case Spec::kJ: return va_arg(ap, intmax_t);
    case Spec::kNone: break;
  }
  return va_arg(ap, int);
}

unsigned long long UnsignedArg(va_list& ap, Spec::Length len) {
  switch (len) {
    case Spec::kHH: return (unsigned char)va_arg(ap, unsigned int);
    case Spec::kH: return (unsigned short)va_arg(ap, unsigned int);
    case Spec::kL: return va_arg(ap, unsigned long);
    case Spec::kLL: return va_arg(ap, unsigned long long);
    case Spec::kZ: return va_arg(ap, size_t);
    case Spec::kT: return (unsigned long long)va_arg(ap, ptrdiff_t);
    case Spec::kJ: return va_arg(ap, uintmax_t);
    case Spec::kNone: break;
  }
  return va_arg(ap, unsigned int);
}

// Formats into buf (always NUL-terminated when size > 0); returns the
// length the whole output would have.
size_t Format(char* buf, size_t size, const char* fmt, va_list ap_in) {
  Out out(buf, size);
  va_list ap;
  va_copy(ap, ap_in);
  for (const char* f = fmt; *f;) {
    if (*f != '%') {
      out.Put(*f++);
      continue;
    }
    const char* start = f++;
    Spec spec;
    for (;; f++) {
      if (*f == '-') spec.left = true;
      else if (*f == '+') spec.plus = true;
      else if (*f == ' ') spec.space = true;
      else if (*f == '#') spec.alt = true;
      else if (*f == '0') spec.zero = true;
      else break;
    }
    if (*f == '*') {
      spec.width = va_arg(ap, int);
      if (spec.width < 0) {
        spec.left = true;
        spec.width = -spec.width;
      }
      f++;
    } else {
      while (*f >= '0' && *f <= '9') spec.width = spec.width * 10 + (*f++ - '0');
    }
    if (*f == '.') {
      f++;
      if (*f == '*') {
        spec.precision = va_arg(ap, int);
        if (spec.precision < 0) spec.precision = -1;
        f++;
      } else {
        spec.precision = 0;
        while (*f >= '0' && *f <= '9') spec.precision = spec.precision * 10 + (*f++ - '0');
      }
    }
    switch (*f) {
      case 'h':
        spec.length = f[1] == 'h' ? Spec::kHH : Spec::kH;
        f += spec.length == Spec::kHH ? 2 : 1;
        break;
      case 'l':
        spec.length = f[1] == 'l' ? Spec::kLL : Spec::kL;
        f += spec.length == Spec::kLL ? 2 : 1;
        break;
      case 'L': case 'q': spec.length = Spec::kLL; f++; break;
      case 'z': case 'Z': spec.length = Spec::kZ; f++; break;
      case 't': spec.length = Spec::kT; f++; break;
      case 'j': spec.length = Spec::kJ; f++; break;
      default: break;
    }
    char conv = *f;
    if (conv) f++;
    switch (conv) {
      case 'd':
      case 'i': {
        long long v = SignedArg(ap, spec.length);
        unsigned long long mag = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
        PutNumber(out, mag, v < 0, true, 10, false, spec);
        break;
      }
      case 'u': PutNumber(out, UnsignedArg(ap, spec.length), false, false, 10, false, spec); break;
      case 'x': PutNumber(out, UnsignedArg(ap, spec.length), false, false, 16, false, spec); break;
      case 'X': PutNumber(out, UnsignedArg(ap, spec.length), false, false, 16, true, spec); break;
      case 'o': PutNumber(out, UnsignedArg(ap, spec.length), false, false, 8, false, spec); break;
      case 'c': {
        char c[2] = {(char)va_arg(ap, int), '\0'};
        Spec s = spec;
        s.precision = 1;
        // A NUL character still counts as one character of output.
        if (!c[0]) {
          int pad = s.width > 1 ? s.width - 1 : 0;
          if (!s.left) out.Repeat(' ', pad);
          out.Put('\0');
          if (s.left) out.Repeat(' ', pad);
        } else {
          PutString(out, c, s);
        }
        break;
      }
      case 's': PutString(out, va_arg(ap, const char*), spec); break;
      case 'p': {
        const void* p = va_arg(ap, const void*);
        // Like the kernel, every alphanumeric after %p is the extension.
        const char* ext_start = f;
        char ext = *f;
        while ((*f >= 'a' && *f <= 'z') || (*f >= 'A' && *f <= 'Z') || (*f >= '0' && *f <= '9'))
          f++;
        if (ext == 'g') {
          auto* bdev = static_cast<const block_device*>(p);
          PutString(out, bdev && bdev->name ? bdev->name : "(null)", spec);
        } else if (f == ext_start) {
          PutString(out, "(ptr)", spec);
        } else {
          // Extensions give the width their own meaning (%*pb: bits).
          PutString(out, "(ptr)", Spec{});
        }
        break;
      }
      case '%': out.Put('%'); break;
      default:
        // Unknown or truncated: shown as written, consuming nothing.
        for (const char* c = start; c < f; c++) out.Put(*c);
        break;
    }
  }
  va_end(ap);
  out.Finish();
  return out.Total();
}

}  // namespace

extern "C" {

int llsim_vscnprintf(char* buf, size_t size, const char* fmt, va_list ap) {
  size_t total = Format(buf, size, fmt, ap);
  if (size == 0) return 0;
  return (int)(total < size ? total : size - 1);
}

int llsim_vsnprintf(char* buf, size_t size, const char* fmt, va_list ap) {
  return (int)Format(buf, size, fmt, ap);
}

int llsim_snprintf(char* buf, size_t size, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = llsim_vsnprintf(buf, size, fmt, ap);
  va_end(ap);
  return n;
}

// The kernel's sprintf has no bound either; sysfs show buffers are a page.
int llsim_sprintf(char* buf, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = llsim_vsnprintf(buf, SIZE_MAX, fmt, ap);
  va_end(ap);
  return n;
}

int scnprintf(char* buf, size_t size, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = llsim_vscnprintf(buf, size, fmt, ap);
  va_end(ap);
  return n;
}

}  // extern "C"
