// The kmalloc family, pages and kmap_local, on the runtime's tracked
// allocations.
#include <algorithm>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "core/kshim/src/kshim.h"

using llsim::K;
using llsim::Kshim;

namespace llsim {

bool Kshim::AllocContextOk(unsigned gfp, const char* what, const char* site) {
  if (gfp & (GFP_ATOMIC | GFP_NOWAIT) || !Sched().InFiber()) return true;
  return MaySleep(absl::StrCat(what, " at ", SiteName(site),
                               " with a gfp that may sleep (not GFP_ATOMIC or GFP_NOWAIT)")
                      .c_str());
}

}  // namespace llsim

extern "C" {

void* llsim_kmalloc(size_t size, gfp_t gfp, const char* site) {
  Kshim& k = K("kmalloc");
  if (!k.AllocContextOk(gfp, "kmalloc", site)) return nullptr;
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
  if (!k.AllocContextOk(gfp, "alloc_page", site)) return nullptr;
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

namespace {

void* MapLocal(struct page* pg, const char* site, bool atomic) {
  Kshim& k = K(atomic ? "kmap_atomic" : "kmap_local_page");
  if (!pg) {
    k.Misuse(absl::StrCat(atomic ? "kmap_atomic" : "kmap_local_page", "(NULL) at ",
                          llsim::SiteName(site)));
    k.HaltIfFiber();
    return nullptr;
  }
  k.Mappings()[k.ContextId()].push_back({reinterpret_cast<uintptr_t>(pg->virt), site, atomic});
  // kmap_atomic disables preemption (and page faults) until it is undone.
  if (atomic) k.Sched().EnterAtomic();
  return pg->virt;
}

}  // namespace

// Local mappings nest per context, like the kernel's per-task kmap stack:
// the innermost must go first. Sleeping with a kmap_local mapping held is
// allowed (the kernel saves and restores them across a switch); with a
// kmap_atomic one it is not.
void* llsim_kmap_local_page(struct page* pg, const char* site) {
  return MapLocal(pg, site, false);
}

void* llsim_kmap_atomic(struct page* pg, const char* site) { return MapLocal(pg, site, true); }

void llsim_kunmap_local(const void* addr, const char* how) {
  Kshim& k = K(how);
  uintptr_t a = reinterpret_cast<uintptr_t>(addr);
  auto ctx = k.Mappings().find(k.ContextId());
  if (ctx != k.Mappings().end()) {
    std::vector<Kshim::Mapping>& stack = ctx->second;
    // Innermost first: a page mapped twice is unmapped from the top.
    for (size_t i = stack.size(); i-- > 0;) {
      if (a >= stack[i].addr && a < stack[i].addr + PAGE_SIZE) {
        Kshim::Mapping m = stack[i];
        if (i + 1 != stack.size())
          k.Misuse(absl::StrCat(how, " out of order: the mapping made at ", llsim::SiteName(m.site),
                                " is undone while a later one, made at ",
                                llsim::SiteName(stack.back().site),
                                ", is still held (local mappings must be undone innermost first)"));
        stack.erase(stack.begin() + (ptrdiff_t)i);
        if (stack.empty()) k.Mappings().erase(ctx);
        bool atomic_unmap = std::string_view(how) == "kunmap_atomic";
        if (m.atomic != atomic_unmap)
          k.Misuse(absl::StrCat(how, " of a mapping made by ",
                                m.atomic ? "kmap_atomic" : "kmap_local_page", " at ",
                                llsim::SiteName(m.site)));
        if (m.atomic) k.Sched().ExitAtomic();
        return;
      }
    }
  }
  k.Misuse(absl::StrCat(how, " of an address that is not mapped"));
}

// Global mappings: every page is always addressable, but each kmap must be
// undone by a kunmap of the same page before teardown. kmap may sleep.
void* llsim_kmap(struct page* pg, const char* site) {
  Kshim& k = K("kmap");
  if (!pg) {
    k.Misuse(absl::StrCat("kmap(NULL) at ", llsim::SiteName(site)));
    k.HaltIfFiber();
    return nullptr;
  }
  if (!k.MaySleep(absl::StrCat("kmap at ", llsim::SiteName(site)).c_str())) return pg->virt;
  auto [it, fresh] = k.GlobalMaps().try_emplace(pg, Kshim::GlobalMap{0, 0, site});
  if (fresh) it->second.seq = k.NextMapSeq();
  it->second.count++;
  return pg->virt;
}

void kunmap(struct page* pg) {
  Kshim& k = K(__func__);
  auto it = k.GlobalMaps().find(pg);
  if (!pg || it == k.GlobalMaps().end()) {
    k.Misuse("kunmap of a page that is not kmapped");
    return;
  }
  if (--it->second.count == 0) k.GlobalMaps().erase(it);
}

}  // extern "C"
