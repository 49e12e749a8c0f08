// The kmalloc family, pages and kmap_local, on the runtime's tracked
// allocations.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "core/kshim/src/kshim.h"

using llsim::K;
using llsim::Kshim;

extern "C" {

void* llsim_kmalloc(size_t size, gfp_t gfp, const char* site) {
  Kshim& k = K("kmalloc");
  if (!(gfp & __GFP_NOFAIL) && k.InjectAllocFailure(site)) return nullptr;
  return k.Alloc(size, gfp & __GFP_ZERO, site, false);
}

void kfree(const void* p) {
  if (!p) return;
  K(__func__).Free(p, "kfree");
}

void kvfree(const void* p) {
  if (!p) return;
  K(__func__).Free(p, "kvfree");
}

struct page* llsim_alloc_page(gfp_t gfp, const char* site) {
  Kshim& k = K("alloc_page");
  if (!(gfp & __GFP_NOFAIL) && k.InjectAllocFailure(site)) return nullptr;
  return static_cast<struct page*>(k.Alloc(PAGE_SIZE, gfp & __GFP_ZERO, site, true));
}

// A page may still be kmapped here: upstream llbitmap frees the superblock
// page before unmapping it, which is harmless, so it is not reported.
void __free_page(struct page* pg) {
  Kshim& k = K(__func__);
  if (!pg) {
    k.Misuse("__free_page(NULL)");
    return;
  }
  k.Free(pg, "__free_page", true);
}

// Local mappings nest per context, like the kernel's per-task kmap stack.
void* kmap_local_page(struct page* pg) {
  Kshim& k = K(__func__);
  if (!pg) {
    k.Misuse("kmap_local_page(NULL)");
    k.HaltIfFiber();
    return nullptr;
  }
  k.Mappings()[k.ContextId()].push_back(reinterpret_cast<uintptr_t>(pg->virt));
  return pg->virt;
}

void kunmap_local(const void* addr) {
  Kshim& k = K(__func__);
  uintptr_t a = reinterpret_cast<uintptr_t>(addr);
  auto ctx = k.Mappings().find(k.ContextId());
  if (ctx != k.Mappings().end()) {
    std::vector<uintptr_t>& stack = ctx->second;
    // Innermost first: a page mapped twice is unmapped from the top.
    for (size_t i = stack.size(); i-- > 0;) {
      if (a >= stack[i] && a < stack[i] + PAGE_SIZE) {
        stack.erase(stack.begin() + (ptrdiff_t)i);
        if (stack.empty()) k.Mappings().erase(ctx);
        return;
      }
    }
  }
  k.Misuse("kunmap_local of an address that is not mapped");
}

// Global mappings need no bookkeeping: every page is always addressable.
void* kmap(struct page* pg) { return pg->virt; }

void kunmap(struct page* pg) {}

}  // extern "C"
