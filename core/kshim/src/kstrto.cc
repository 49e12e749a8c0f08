// kstrto*: the kernel's strict string-to-number parsing for sysfs input.
// One trailing newline is allowed; anything else that is not a digit is
// -EINVAL, and a value that does not fit is -ERANGE.
#include <climits>

#include "core/kshim/include/md-bitmap.h"

namespace {

int DigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 99;
}

// Base 0 picks 16 for "0x", 8 for a leading 0, else 10; base 16 accepts
// an optional "0x".
const char* FixupRadix(const char* s, unsigned* base) {
  if (*base == 0) {
    if (s[0] == '0') {
      *base = ((s[1] | 0x20) == 'x' && DigitValue(s[2]) < 16) ? 16 : 8;
    } else {
      *base = 10;
    }
  }
  if (*base == 16 && s[0] == '0' && (s[1] | 0x20) == 'x') s += 2;
  return s;
}

int ParseULL(const char* s, unsigned base, unsigned long long* res) {
  if (*s == '+') s++;
  s = FixupRadix(s, &base);
  if (base < 2 || base > 16) return -EINVAL;
  unsigned long long v = 0;
  const char* start = s;
  bool overflow = false;
  for (; *s; s++) {
    int d = DigitValue(*s);
    if (d >= (int)base) break;
    if (v > (ULLONG_MAX - (unsigned)d) / base) overflow = true;
    v = v * base + (unsigned)d;
  }
  if (s == start) return -EINVAL;
  if (*s == '\n') s++;
  if (*s) return -EINVAL;
  if (overflow) return -ERANGE;
  *res = v;
  return 0;
}

int ParseLL(const char* s, unsigned base, long long* res) {
  unsigned long long v;
  if (s[0] == '-') {
    int rc = ParseULL(s + 1, base, &v);
    if (rc) return rc;
    if (v > (unsigned long long)LLONG_MAX + 1) return -ERANGE;
    *res = (long long)(0ull - v);
    return 0;
  }
  int rc = ParseULL(s, base, &v);
  if (rc) return rc;
  if (v > (unsigned long long)LLONG_MAX) return -ERANGE;
  *res = (long long)v;
  return 0;
}

}  // namespace

extern "C" {

int kstrtoul(const char* s, unsigned int base, unsigned long* res) {
  unsigned long long v;
  int rc = ParseULL(s, base, &v);
  if (rc) return rc;
  if (v > ULONG_MAX) return -ERANGE;
  *res = (unsigned long)v;
  return 0;
}

int kstrtouint(const char* s, unsigned int base, unsigned int* res) {
  unsigned long long v;
  int rc = ParseULL(s, base, &v);
  if (rc) return rc;
  if (v > UINT_MAX) return -ERANGE;
  *res = (unsigned int)v;
  return 0;
}

int kstrtoint(const char* s, unsigned int base, int* res) {
  long long v;
  int rc = ParseLL(s, base, &v);
  if (rc) return rc;
  if (v < INT_MIN || v > INT_MAX) return -ERANGE;
  *res = (int)v;
  return 0;
}

// Only the first characters matter, as in the kernel: y/Y/1/on true,
// n/N/0/off false.
int kstrtobool(const char* s, bool* res) {
  if (!s) return -EINVAL;
  switch (s[0]) {
    case 'y': case 'Y': case '1': *res = true; return 0;
    case 'n': case 'N': case '0': *res = false; return 0;
    case 'o': case 'O':
      if ((s[1] | 0x20) == 'n') { *res = true; return 0; }
      if ((s[1] | 0x20) == 'f') { *res = false; return 0; }
      break;
    default: break;
  }
  return -EINVAL;
}

}  // extern "C"
