// Sparse pooled pages; see byte_pages.h.
#include "sim/byte_pages.h"

#include "sim/event_log.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace llsim {

namespace {

// Kept for reuse up to this many idle pages (64 MiB); more go back to malloc.
constexpr size_t kMaxIdlePages = 16384;

std::vector<BytePages::Page*>& FreeList() {
  static auto* list = new std::vector<BytePages::Page*>();
  return *list;
}

}  // namespace

BytePages::Page* PagePool::Acquire() {
#if defined(__SANITIZE_ADDRESS__)
  // ASan build: plain allocations, so a use after release is reported.
  return new BytePages::Page;
#else
  auto& list = FreeList();
  if (list.empty()) return new BytePages::Page;
  BytePages::Page* p = list.back();
  list.pop_back();
  return p;
#endif
}

void PagePool::Release(BytePages::Page* p) {
#if defined(__SANITIZE_ADDRESS__)
  delete p;
#else
  auto& list = FreeList();
  if (list.size() >= kMaxIdlePages) {
    delete p;
    return;
  }
  list.push_back(p);
#endif
}

size_t PagePool::Idle() { return FreeList().size(); }

BytePages& BytePages::operator=(const BytePages& o) {
  if (this == &o) return *this;
  Clear();
  for (const auto& [idx, slot] : o.pages_) {
    Page* p = PagePool::Acquire();
    *p = *slot.page;
    pages_.emplace_hint(pages_.end(), idx, Slot{p, slot.hash});
  }
  return *this;
}

BytePages& BytePages::operator=(BytePages&& o) noexcept {
  if (this == &o) return *this;
  Clear();
  pages_ = std::move(o.pages_);
  o.pages_.clear();
  return *this;
}

uint64_t BytePages::ContentHash(uint64_t h) const {
  for (const auto& [idx, slot] : pages_) {
    for (size_t b = 0; b < kBlocks; b++) {
      uint64_t& bh = slot.hash[b];
      if (bh == kHashUnknown) {
        const uint8_t* data = slot.page->data() + b * kBlockBytes;
        const uint64_t* w = reinterpret_cast<const uint64_t*>(data);
        bool zero = true;
        for (size_t i = 0; i < kBlockBytes / 8 && zero; i++) zero = w[i] == 0;
        if (zero) {
          bh = kHashZero;
        } else {
          uint64_t x = StateMixWords(StateMix(0x6d657461ull, idx * kBlocks + b), data, kBlockBytes);
          bh = x < 2 ? x + 2 : x;
        }
      }
      if (bh != kHashZero) h = StateMix(h, bh);
    }
  }
  return h;
}

void BytePages::Clear() {
  for (auto& [idx, slot] : pages_) PagePool::Release(slot.page);
  pages_.clear();
}

void BytePages::Write(uint64_t offset, const uint8_t* data, size_t n) {
  while (n) {
    uint64_t idx = offset / kPageBytes;
    size_t in = offset % kPageBytes, len = std::min(n, kPageBytes - in);
    auto it = pages_.find(idx);
    if (it == pages_.end()) {
      Page* p = PagePool::Acquire();
      // A partial first write: the rest of the page reads as never written.
      if (len != kPageBytes) p->fill(0);
      it = pages_.emplace(idx, Slot{p}).first;
    }
    std::memcpy(it->second.page->data() + in, data, len);
    for (size_t b = in / kBlockBytes; b * kBlockBytes < in + len; b++)
      it->second.hash[b] = kHashUnknown;
    offset += len;
    data += len;
    n -= len;
  }
}

void BytePages::Read(uint64_t offset, uint8_t* out, size_t n) const {
  while (n) {
    uint64_t idx = offset / kPageBytes;
    size_t in = offset % kPageBytes, len = std::min(n, kPageBytes - in);
    auto it = pages_.find(idx);
    if (it == pages_.end())
      std::memset(out, 0, len);
    else
      std::memcpy(out, it->second.page->data() + in, len);
    offset += len;
    out += len;
    n -= len;
  }
}

}  // namespace llsim
