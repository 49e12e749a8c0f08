// Hook and feature counts; see reach.h.
#include "models/md/reach.h"

#include "models/md/md_array.h"

namespace llsim {

namespace {

// Short names, as struct bitmap_operations spells them; the contexts that
// are not hooks (work items, timers) have none and are not listed.
const char* HookName(int op) {
  static const char* names[kBitmapOpCount] = {
      nullptr,        "create",     "load",           "destroy",       "flush",
      "resize",       "write_all",  "update_sb",      "get_stats",     "prepare_range",
      "start_write",  "end_write",  "start_discard",  "end_discard",   "unplug",
      "skip_sync_blocks", "start_sync", "end_sync",   "close_sync",    "cond_end_sync",
      "sysfs store",  "dirty_bits", "daemon_work",    "blocks_synced", "start_behind_write",
      "end_behind_write", "wait_behind_writes", "sysfs show", nullptr, nullptr, "reshape_can_start", "reshape_mark",
      "reshape_finish"};
  return names[op];
}

}  // namespace

static_assert((int)BitmapOp::kReshapeFinish + 1 == kBitmapOpCount, "kBitmapOpCount is stale");

const std::vector<std::string>& ModelFeatures() {
  static const std::vector<std::string> features = {
      "assemble",
      "assembly after a clean settle",
      "clean stop",
      "crash",
      "member failed",
      "write error",
      "re-add",
      "re-add (full recovery)",
      "spare added",
      "spare bound at assembly",
      "replace requested",
      "replacement",
      "replacement done",
      "resync",
      "recovery",
      "resize",
      "discard",
      "degraded write",
      "sync frozen",
      "allocation failure",
      "metadata 1.0",
      "metadata 1.1",
      "events decremented",
      "re-add events above events_cleared",
      "re-add events equal to events_cleared",
      "re-add events below events_cleared",
      "spare with its own bitmap address",
      "bitmap events behind md at load",
      "sync beside user writes",
      "read error",
      "read error fixed",
      "metadata write error",
      "metadata write error on last member",
      "bitmap read error",
      "superblock rewrite",
      "bad block recorded",
      "bad block cleared",
      "dirty bits",
      "sysfs change",
      "sysfs read",
      "check",
      "repair",
      "write-mostly write",
      "write-mostly read",
      "behind write",
      "raid10 write",
      "raid10 resync",
      "raid10 recovery",
      "raid5 write",
      "raid5 read-modify-write",
      "raid5 degraded read",
      "raid5 parity rewritten",
      "raid5 rebuild",
      "raid5 lazy rebuild",
      "lazy recovery",
      "lazy recovery on a degraded array",
      "dirty degraded start forced",
      "assembly forced: too few fresh members",
      "member failed before a crash's resync",
      "write zeroes at creation",
      "raid5 reshape started",
      "raid5 reshape checkpoint",
      "raid5 reshape finished",
      "raid5 reshape resumed",
      "reshape resumed at assembly",
      "raid5 IO in the old geometry during a reshape",
      "raid5 IO split at the reshape position",
      "raid10 reshape started",
      "raid10 reshape checkpoint",
      "raid10 reshape finished",
      "raid10 reshape resumed",
      "raid10 IO in the old geometry during a reshape",
      "raid10 IO split at the reshape position",
      "discard refused during a reshape",
      "re-add after a reshape (full recovery)",
  };
  return features;
}

void Reach::Add(const Reach& other) {
  for (int i = 0; i < kBitmapOpCount; i++) hooks[i] += other.hooks[i];
  for (const auto& [k, v] : other.features) features[k] += v;
}

std::vector<std::pair<std::string, uint64_t>> Reach::Rows() const {
  std::vector<std::pair<std::string, uint64_t>> rows;
  for (int i = 0; i < kBitmapOpCount; i++)
    if (HookName(i)) rows.emplace_back(std::string("hook ") + HookName(i), hooks[i]);
  std::map<std::string, uint64_t> all = features;
  for (const std::string& f : ModelFeatures()) all.emplace(f, 0);
  for (const auto& [k, v] : all) rows.emplace_back("feature " + k, v);
  return rows;
}

bool Reach::Set(const std::string& row_name, uint64_t count) {
  if (row_name.rfind("feature ", 0) == 0) {
    features[row_name.substr(8)] = count;
    return true;
  }
  for (int i = 0; i < kBitmapOpCount; i++)
    if (HookName(i) && row_name == std::string("hook ") + HookName(i)) {
      hooks[i] = count;
      return true;
    }
  return false;
}

}  // namespace llsim
