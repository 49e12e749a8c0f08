// md's sysfs writes that reach the bitmap while the array runs: md's own
// bitmap_set_bits (dirty_bits + unplug), the bitmap group's attributes, and
// sync_action check/repair (md.c action_store). See md_array.h.
#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "models/md/md_array.h"
#include "models/md/md_internal.h"

namespace llsim {

namespace {
constexpr size_t kPageBytes = 4096;
}  // namespace

ssize_t MdArray::SysfsWrite(const std::string& name, const std::string& value) {
  if (name == "bitmap_set_bits") return SetBitmapBits(value);
  Reached("sysfs change");
  return SysfsStore(name, value);
}

std::vector<const attribute_group*> MdArray::BitmapAttrGroups() const {
  std::vector<const attribute_group*> groups;
  if (!ops_) return groups;
  if (ops_->groups)
    for (const attribute_group* const* g = ops_->groups; *g; g++) groups.push_back(*g);
  if (ops_->group) groups.push_back(ops_->group);
  return groups;
}

void MdArray::SysfsReadAll() {
  if (!ops_) return;
  for (const attribute_group* g : BitmapAttrGroups())
    for (attribute** a = g->attrs; a && *a; a++) {
      auto* entry = reinterpret_cast<md_sysfs_entry*>(*a);
      if (!entry->show) continue;
      // sysfs hands show a zeroed page and trusts it to stay inside.
      std::vector<char> page(kPageBytes + 1, 0);
      ssize_t rc = (BitmapCall(this, BitmapOp::kSysfsShow), entry->show(&mddev_, page.data()));
      if (rc > (ssize_t)kPageBytes || page[kPageBytes] != 0) {
        kshim_.Misuse(absl::StrFormat("sysfs show of %s wrote past its page (returned %d)",
                                      (*a)->name, rc));
        continue;
      }
      std::string value = rc > 0 ? std::string(page.data(), (size_t)rc) : std::string();
      while (!value.empty() && value.back() == '\n') value.pop_back();
      std::replace(value.begin(), value.end(), '\n', ';');
      NoteMd(absl::StrFormat("sysfs %s/%s -> %s", g->name ? g->name : "", (*a)->name,
                             rc < 0 ? absl::StrCat("error ", rc) : value));
    }
  Reached("sysfs read");
}

ssize_t MdArray::SetBitmapBits(const std::string& value) {
  ssize_t len = (ssize_t)value.size();
  // bitmap_store: nothing to do (and success) without a usable bitmap.
  if (!BitmapEnabled()) return len;
  LockGuard lock(this);
  if (!BitmapEnabled()) return len;
  // The same grammar as md's parser: numbers (base 0, as simple_strtoul),
  // an optional "-end", whitespace between; it stops at the first thing it
  // cannot read and still unplugs what it marked.
  const char* p = value.c_str();
  bool any = false;
  while (*p) {
    char* end;
    unsigned long chunk = std::strtoul(p, &end, 0), last = chunk;
    if (end == p) break;
    if (*end == '-') {
      p = end + 1;
      last = std::strtoul(p, &end, 0);
      if (end == p) break;
    }
    if (*end && !std::isspace((unsigned char)*end)) break;
    if (!any) Reached("dirty bits");
    any = true;
    NoteMd(absl::StrFormat("bitmap_set_bits %d-%d", chunk, last));
    (BitmapCall(this, BitmapOp::kDirtyBits), ops_->dirty_bits(&mddev_, chunk, last));
    p = end;
    while (*p && std::isspace((unsigned char)*p)) p++;
  }
  // "flush the bits to disk": a synchronous unplug.
  (BitmapCall(this, BitmapOp::kUnplug), ops_->unplug(&mddev_, true));
  return len;
}

int MdArray::RequestSync(bool repair) {
  if (!running_) return -EINVAL;
  LockGuard lock(this);
  // action_store refuses while a sync thread runs or its start is queued.
  if (sync_thread_running_ || start_sync_queued_ ||
      test_bit(MD_RECOVERY_RUNNING, &mddev_.recovery))
    return -EBUSY;
  NoteMd(repair ? "sync_action repair" : "sync_action check");
  // Deliberately not md: with a resync pending (md's resync_offset, or the
  // bitmap's own request after load: SYNC without REQUESTED), md keeps the
  // check/repair flags and md_choose_sync_action runs the resync with them;
  // a check then only compares, yet start_sync/close_sync consume the
  // bitmap's NeedSync chunks (Syncing, then Dirty, then Clean) and mainline
  // even records the array in sync, so the mirrors stay different with
  // nothing left to resync them (FINDINGS.md F13). The model lets the
  // pending resync run as a plain resync, so no core is blamed for md.
  if (mddev_.resync_offset < kMaxSector ||
      (test_bit(MD_RECOVERY_SYNC, &mddev_.recovery) &&
       !test_bit(MD_RECOVERY_REQUESTED, &mddev_.recovery))) {
    NoteMd("a resync is pending: it runs first, as a plain resync (md would run it as the "
           "requested check/repair)");
    clear_bit(MD_RECOVERY_FROZEN, &mddev_.recovery);
    set_bit(MD_RECOVERY_NEEDED, &mddev_.recovery);
    WakeupThread(mddev_.thread);
    return 0;
  }
  if (!repair) set_bit(MD_RECOVERY_CHECK, &mddev_.recovery);
  set_bit(MD_RECOVERY_REQUESTED, &mddev_.recovery);
  set_bit(MD_RECOVERY_SYNC, &mddev_.recovery);
  clear_bit(MD_RECOVERY_FROZEN, &mddev_.recovery);
  set_bit(MD_RECOVERY_NEEDED, &mddev_.recovery);
  WakeupThread(mddev_.thread);
  return 0;
}

}  // namespace llsim
