// Step invariants; see step_invariants.h.
#include "properties/step_invariants.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/kshim/src/store_track.h"
#include "core/kshim/include/md-bitmap.h"

namespace llsim {

namespace {
constexpr uint64_t kDataOffset = 1024;  // chunk i's byte in the bitmap region

using A = ChunkAction;

// The actions of the documented table each operation applies (md-contract
// sections 2-4): the only changes it may make.
uint32_t ActionsOf(BitmapOp op) {
  switch (op) {
    case BitmapOp::kCreate: return kActInit;
    case BitmapOp::kLoad: return ActionBit(A::kReload) | ActionBit(A::kStale);
    case BitmapOp::kStartWrite: return ActionBit(A::kStartwrite);
    case BitmapOp::kStartDiscard: return ActionBit(A::kDiscard);
    // A recovery's first call also drops the unwritten variants.
    case BitmapOp::kStartSync: return ActionBit(A::kStartsync) | ActionBit(A::kClearUnwritten);
    // Asked first at every j: a core may drop the unwritten variants there
    // for a recovery that start_sync(0) would never see (chunk 0 skipped).
    case BitmapOp::kSkipSyncBlocks: return ActionBit(A::kClearUnwritten);
    case BitmapOp::kEndSync: return ActionBit(A::kAbortsync);
    case BitmapOp::kCloseSync:
    case BitmapOp::kCondEndSync: return ActionBit(A::kEndsync);
    // flush runs the daemon on every page (a core may do it in its own
    // work item instead); resize flushes first.
    case BitmapOp::kFlush: return ActionBit(A::kDaemon);
    case BitmapOp::kResize: return ActionBit(A::kDaemon) | kActResizeMark;
    case BitmapOp::kSysfs: return ActionBit(A::kProactiveSync);
    // md's bitmap_set_bits: Startwrite on the named chunks, no IO.
    case BitmapOp::kDirtyBits: return ActionBit(A::kStartwrite);
    // The classic bitmap's periodic pass (llbitmap has none: NULL).
    case BitmapOp::kDaemonWork: return ActionBit(A::kDaemon);
    // The core's own contexts: its daemon (timer, then work item).
    case BitmapOp::kWork:
    case BitmapOp::kTimer: return ActionBit(A::kDaemon);
    case BitmapOp::kReshapeMark: return kActReshapeMerge;
    // reshape_finish flushes (the daemon's work) as it adopts the geometry.
    case BitmapOp::kReshapeFinish: return ActionBit(A::kDaemon);
    default: return 0;  // end_write, unplug, update_sb, ...: no state change
  }
}
}  // namespace

std::string Verdict::ToString() const {
  return absl::StrFormat("%s at %d.%06ds: %s", property, t / kNsPerSec,
                         t % kNsPerSec / 1000, message);
}

static uint64_t CurrentFiberId(World& w) {
  Fiber* f = w.Sched().Current();
  return f ? f->id : 0;
}

StepInvariants::StepInvariants(World& world, std::function<void(Verdict)> report,
                               std::set<std::string> skip)
    : world_(world), report_(std::move(report)), skip_(skip.begin(), skip.end()) {}

void StepInvariants::Attach(MdArray* array) {
  array_ = array;
  contexts_.clear();
  looked_up_id_ = ~0ull;
  pages_.clear();
  snapshot_.clear();
  written_.clear();
  in_flight_.clear();
  sync_in_flight_.clear();
  started_writes_.clear();
  started_syncs_.clear();
  recheck_ = true;
  // Observers only look: nothing they call may become a preemption point.
  MdObserver obs;
  obs.data_write_submitted = [this](int disk, uint64_t s, uint32_t n, const std::vector<int>& m) {
    QuietScope quiet(world_.Sched());
    OnDataWrite(disk, s, n, m);
  };
  // The chunks an IO covers are fixed when it starts: a core may change its
  // chunk size meanwhile, and the end must take back exactly what the
  // start counted.
  obs.write_started = [this](uint64_t off, uint32_t len, bool discard) {
    QuietScope quiet(world_.Sched());
    if (discard) return;
    ChunkSpan span = SpanOf(off, len);
    started_writes_.emplace(std::make_pair(off, len), span);
    if (!span.guessed)
      for (uint64_t c = span.first; c <= span.last; c++) in_flight_[c]++;
    recheck_ = true;
    OnStep();
  };
  obs.write_ending = [this](uint64_t off, uint32_t len, bool discard) {
    QuietScope quiet(world_.Sched());
    if (discard) return;
    OnStep();
    auto it = started_writes_.find(std::make_pair(off, len));
    if (it == started_writes_.end()) return;
    if (!it->second.guessed)
      for (uint64_t c = it->second.first; c <= it->second.last; c++)
        if (--in_flight_[c] == 0) in_flight_.erase(c);
    started_writes_.erase(it);
  };
  obs.bitmap_page_seen = [this](int idx, const uint8_t* mem) {
    QuietScope quiet(world_.Sched());
    written_.insert(idx);
    if (pages_.count(idx) && pages_[idx] == mem) return;
    pages_[idx] = mem;
    std::memcpy(snapshot_[idx].data(), mem, 4096);
    AnnouncePage(idx, false);
  };
  // A page the core read from the media and has not written since: its
  // memory is watched from the read on, so a page the core never writes
  // is checked all the same (with what the media held as the start).
  obs.bitmap_page_read = [this](int idx, const uint8_t* mem) {
    QuietScope quiet(world_.Sched());
    if (pages_.count(idx)) return;
    pages_[idx] = mem;
    std::memcpy(snapshot_[idx].data(), mem, 4096);
    AnnouncePage(idx, false);
  };
  obs.sync_io = [this](uint64_t off, uint32_t len, bool begin) {
    QuietScope quiet(world_.Sched());
    if (begin) {
      ChunkSpan span = SpanOf(off, len);
      started_syncs_.emplace(std::make_pair(off, len), span);
      if (!span.guessed)
        for (uint64_t c = span.first; c <= span.last; c++) sync_in_flight_[c]++;
      recheck_ = true;
    } else if (auto it = started_syncs_.find(std::make_pair(off, len));
               it != started_syncs_.end()) {
      if (!it->second.guessed)
        for (uint64_t c = it->second.first; c <= it->second.last; c++)
          if (--sync_in_flight_[c] == 0) sync_in_flight_.erase(c);
      started_syncs_.erase(it);
    }
    OnStep();
  };
  obs.sync_abort_begin = [this] {
    QuietScope quiet(world_.Sched());
    OnSyncAbortBegin();
  };
  obs.sync_aborted = [this](uint64_t sector) {
    QuietScope quiet(world_.Sched());
    OnSyncAborted(sector);
  };
  obs.bitmap_write = [this](int disk, uint64_t s, uint32_t n) {
    QuietScope quiet(world_.Sched());
    OnBitmapWrite(disk, s, n);
  };
  obs.bitmap_call = [this](BitmapOp op, bool begin) {
    QuietScope quiet(world_.Sched());
    OnBitmapCall(op, begin);
  };
  obs.sysfs_store = [this](const std::string& name, bool begin, ssize_t rc) {
    QuietScope quiet(world_.Sched());
    OnSysfsStore(name, begin, rc);
  };
  obs.reshape_mark = [this](uint64_t lo, uint64_t hi, bool begin) {
    QuietScope quiet(world_.Sched());
    OnReshapeMark(lo, hi, begin);
  };
  obs.reshape_resize = [this](bool begin) {
    QuietScope quiet(world_.Sched());
    OnReshapeResize(begin);
  };
  obs.bitmap_gone = [this] {
    AnnounceAllGone();
    pages_.clear();
    snapshot_.clear();
    written_.clear();
  };
  array->SetObserver(std::move(obs));
}

void StepInvariants::Detach() {
  AnnounceAllGone();
  array_ = nullptr;
  pages_.clear();
  snapshot_.clear();
  written_.clear();
  in_flight_.clear();
  sync_in_flight_.clear();
  syncing_since_.clear();
  abort_began_.clear();
  contexts_.clear();
  looked_up_id_ = ~0ull;
  proactive_fiber_ = 0;
  proactive_unwritten_.clear();
  reshape_fiber_ = 0;
  reshape_before_.clear();
  reshape_touched_.clear();
  reshape_resize_fiber_ = 0;
  reshape_resize_before_.clear();
  started_writes_.clear();
  started_syncs_.clear();
}

// The chunk size a core picks at first use, before it publishes one: the
// smallest power of two from 128 sectors whose chunk count fits the
// reserved space, less the 1 KiB header (@header, our design) or not
// (upstream's rule, FINDINGS.md F1).
static uint32_t FirstUseChunkSize(uint64_t dev_sectors, uint64_t space_sectors, bool header) {
  uint64_t bytes = (space_sectors << 9) - (header ? 1024 : 0);
  uint32_t chunksize = 128;
  while ((dev_sectors + chunksize - 1) / chunksize > bytes) chunksize <<= 1;
  return chunksize;
}

uint32_t StepInvariants::PublishedChunkSize() const {
  // The superblock in memory once the core has written it: before that
  // (read, not written) it may still hold what mdadm wrote.
  auto it = pages_.find(0);
  if (it != pages_.end() && written_.count(0)) {
    uint32_t cs = reinterpret_cast<const bitmap_super_t*>(it->second)->chunksize;
    if (cs && !(cs & (cs - 1))) return cs;
  }
  // Else what the core told md when it set up.
  return array_ ? (uint32_t)array_->BitmapChunkSectors() : 0;
}

uint64_t StepInvariants::ChunkShift(bool* guessed) const {
  uint32_t chunksize = PublishedChunkSize();
  if (guessed) *guessed = false;
  if (chunksize) return (uint64_t)__builtin_ctz(chunksize);
  if (array_ && world_.DiskCount()) {
    // Not set up yet: the media copy on the first member.
    std::vector<uint8_t> b = world_.GetDisk(0).MediaBytes(array_->Layout().BitmapStart(), 1);
    std::memcpy(&chunksize, b.data() + 52, 4);
  }
  uint32_t ours = 128, theirs = 128;
  if (array_) {
    ours = FirstUseChunkSize(array_->BitmapSectors(), array_->Config().bitmap_space, true);
    theirs = FirstUseChunkSize(array_->BitmapSectors(), array_->Config().bitmap_space, false);
  }
  if (!chunksize || (chunksize & (chunksize - 1))) chunksize = ours;  // first use
  // Known only if every rule a core may follow gives this size.
  if (guessed) *guessed = chunksize != ours || chunksize != theirs;
  return (uint64_t)__builtin_ctz(chunksize);
}

bool StepInvariants::RechunkPending() const {
  if (!array_ || !array_->PrevGeo()) return false;
  uint64_t cs = 1ull << ChunkShift();
  uint64_t fits = (array_->Config().bitmap_space << 9) - 1024;  // with our header, the fewest
  return (array_->BitmapSectors() + cs - 1) / cs > fits;
}

bool StepInvariants::ChunkSizeKnown() const {
  bool guessed;
  ChunkShift(&guessed);
  return !guessed;
}

StepInvariants::ChunkSpan StepInvariants::SpanOf(uint64_t off, uint32_t len) const {
  bool guessed;
  uint64_t sh = ChunkShift(&guessed);
  return {off >> sh, (off + std::max<uint32_t>(len, 1) - 1) >> sh, guessed};
}

uint64_t StepInvariants::Chunks() const {
  if (!array_) return 0;
  uint64_t sh = ChunkShift();
  return (array_->BitmapSectors() + (1ull << sh) - 1) >> sh;
}

int StepInvariants::StateInMemory(uint64_t chunk) const {
  uint64_t pos = kDataOffset + chunk;
  auto it = pages_.find((int)(pos / 4096));
  if (it == pages_.end()) return -1;
  return it->second[pos % 4096];
}

void StepInvariants::OnDataWrite(int disk, uint64_t sector, uint32_t sectors,
                                 const std::vector<int>& members) {
  if (failed_ || !array_ || !array_->BitmapEnabled() || skip_.count(kPropWriteIntent)) return;
  // A write issued before a shrink may land beyond the new end: no promise
  // covers sectors outside the array.
  if (sector >= array_->BitmapSectors()) return;
  // A broken array (MD_BROKEN) promises nothing: md ignores a failed
  // metadata write on its last member, bitmap writes included, and lets
  // writes already past md_submit_bio go on to that member.
  if (array_->Broken()) return;
  sectors = (uint32_t)std::min<uint64_t>(sectors, array_->BitmapSectors() - sector);
  bool guessed;
  uint64_t sh = ChunkShift(&guessed);
  if (guessed) return;  // which chunk bytes to read is not known yet
  if (RechunkPending()) return;  // which chunk a sector is in depends on its side
  // The members the write goes to that a crash now could load the bitmap
  // from: in sync and not failed. A member being recovered is never read
  // (the reference core and upstream both read only In_sync members), and
  // md may add one to a slot while writes run (md_start_sync decides to
  // suspend before it takes the lock, so a re-add landing in between is
  // added unsuspended, before write_all: soak seed 23, case 37337).
  std::vector<int> live = array_->BitmapMembers();
  std::vector<int> in_sync = array_->InSyncDisks();
  for (int member : members) {
    if (std::find(live.begin(), live.end(), member) == live.end()) continue;
    if (std::find(in_sync.begin(), in_sync.end(), member) == in_sync.end()) continue;
    const Disk& d = world_.GetDisk(member);
    uint64_t region = array_->LayoutOf(member).BitmapStart();
    for (uint64_t c = sector >> sh; c <= (sector + sectors - 1) >> sh; c++) {
      uint64_t pos = kDataOffset + c;
      std::vector<uint8_t> b = d.MediaBytes(region + pos / 512, 1);
      uint8_t st = b[pos % 512];
      if (st == (uint8_t)ChunkState::kDirty || st == (uint8_t)ChunkState::kNeedSync ||
          st == (uint8_t)ChunkState::kSyncing)
        continue;
      failed_ = true;
      report_({kPropWriteIntent,
               absl::StrFormat("user write to sectors %d+%d reached disk %d while chunk %d is %s "
                               "on the media of disk %d: a crash now would not resync it",
                               sector, sectors, disk, c, ChunkStateName(st), member),
               world_.Clock().Now()});
      return;
    }
  }
}


void StepInvariants::OnSysfsStore(const std::string& name, bool begin, ssize_t rc) {
  if (name != "proactive_sync" || !array_ || skip_.count(kPropTransitions)) return;
  if (begin) {
    OnStep();
    proactive_unwritten_.clear();
    proactive_fiber_ = 0;
    // A core whose bitmap has failed a write changes nothing (upstream's
    // state machine returns at once); nothing to judge then, nor before
    // the chunk size is known.
    if (failed_ || !array_->BitmapEnabled() || !ChunkSizeKnown()) return;
    proactive_fiber_ = CurrentFiberId(world_);
    uint64_t chunks = Chunks();
    for (uint64_t c = 0; c < chunks; c++)
      if (StateInMemory(c) == (int)ChunkState::kUnwritten) proactive_unwritten_.insert(c);
    return;
  }
  uint64_t fiber = proactive_fiber_;
  proactive_fiber_ = 0;
  if (!fiber || failed_ || rc <= 0 || !array_->BitmapEnabled()) return;
  OnStep();
  for (uint64_t c : proactive_unwritten_) {
    if (StateInMemory(c) != (int)ChunkState::kUnwritten) continue;
    failed_ = true;
    report_({kPropTransitions,
             absl::StrFormat("proactive_sync returned %d with chunk %d still Unwritten in memory "
                             "(of %d chunks): ProactiveSync applies to every Unwritten chunk, and "
                             "no other operation changed this one meanwhile",
                             rc, c, Chunks()),
             world_.Clock().Now()});
    return;
  }
}

namespace {
// How demanding a state is in a reshape merge (-1: not known).
int ReshapeRank(int s) {
  switch (s) {
    case -1: return -1;
    case (int)ChunkState::kClean: return 1;
    case (int)ChunkState::kDirty: return 2;
    case (int)ChunkState::kNeedSync:
    case (int)ChunkState::kSyncing: return 3;
    case (int)ChunkState::kUnwritten:
    case (int)ChunkState::kCleanUnwritten:
    case (int)ChunkState::kNeedSyncUnwritten:
    case (int)ChunkState::kSyncingUnwritten: return 0;
    default: return 3;
  }
}
const char* kRankName[] = {"Unwritten", "Clean", "Dirty", "NeedSync"};
}  // namespace

void StepInvariants::OnReshapeMark(uint64_t lo, uint64_t hi, bool begin) {
  if (!array_ || skip_.count(kPropTransitions)) return;
  if (begin) {
    OnStep();
    reshape_fiber_ = 0;
    reshape_before_.clear();
    reshape_touched_.clear();
    if (failed_ || !array_->BitmapEnabled() || !ChunkSizeKnown() || RechunkPending()) return;
    reshape_fiber_ = CurrentFiberId(world_);
    for (uint64_t c = 0; c < Chunks(); c++) reshape_before_.push_back(StateInMemory(c));
    // The chunks the merge fills afresh (wholly at or past the new rows of
    // lo) held old-geometry rows until now: a write in flight there was
    // accounted in the old geometry, its data has moved (the reshape
    // waited for it), and its end_write decodes to bits that now mean
    // other rows. Its chunks are no longer watched for it.
    uint64_t n_off = 0, n_len = 0, shift = ChunkShift();
    array_->ReshapeRows(lo, hi - lo, false, &n_off, &n_len);
    if (n_len) {
      uint64_t fresh = (n_off + (1ull << shift) - 1) >> shift, last = (n_off + n_len - 1) >> shift;
      for (auto& [key, span] : started_writes_) {
        if (span.guessed || span.last < fresh || span.first > last) continue;
        for (uint64_t c = span.first; c <= span.last; c++)
          if (--in_flight_[c] == 0) in_flight_.erase(c);
        span.guessed = true;
      }
    }
    return;
  }
  uint64_t fiber = reshape_fiber_;
  reshape_fiber_ = 0;
  if (!fiber || failed_ || !array_->BitmapEnabled()) return;
  OnStep();
  if (failed_) return;
  uint64_t sync = array_->BitmapSectors(), shift = ChunkShift();
  auto rows = [&](bool prev, uint64_t* off, uint64_t* len) {
    array_->ReshapeRows(lo, hi - lo, prev, off, len);
    if (*off >= sync) *len = 0;
    *len = std::min(*len, sync - std::min(*off, sync));
  };
  uint64_t o_off, o_len, n_off, n_len;
  rows(true, &o_off, &o_len);
  rows(false, &n_off, &n_len);
  if (!n_len) return;
  auto before = [&](uint64_t c) { return c < reshape_before_.size() ? reshape_before_[c] : -1; };
  // Data moves inside a raid row as well (a row holds chunk-sized strips
  // in array order): a new chunk holds data of the whole new raid rows it
  // touches, which came from the whole old raid rows holding theirs.
  uint64_t ncs = array_->ParityGeo() ? array_->ParityGeo()->chunk_sectors : 1;
  uint64_t ocs = array_->PrevParityGeo() ? array_->PrevParityGeo()->chunk_sectors : ncs;
  for (uint64_t d = n_off >> shift; d <= (n_off + n_len - 1) >> shift && d < Chunks(); d++) {
    if (reshape_touched_.count(d)) continue;
    uint64_t ds = std::max((d << shift) / ncs * ncs, n_off);
    uint64_t de = std::min((((d + 1) << shift) + ncs - 1) / ncs * ncs, n_off + n_len);
    int need = (d << shift) < n_off ? ReshapeRank(before(d)) : 0;
    uint64_t from = d;
    bool unknown = need < 0;
    if (o_len) {
      uint64_t ss = std::max((o_off + (ds - n_off) * o_len / n_len) / ocs * ocs, o_off);
      uint64_t se = std::min((o_off + ((de - n_off) * o_len + n_len - 1) / n_len + ocs - 1) /
                                 ocs * ocs,
                             o_off + o_len);
      for (uint64_t k = ss >> shift; ss < se && k <= (se - 1) >> shift; k++) {
        if (reshape_touched_.count(k) || ReshapeRank(before(k)) < 0) unknown = true;
        if (ReshapeRank(before(k)) > need) {
          need = ReshapeRank(before(k));
          from = k;
        }
      }
    }
    int now = ReshapeRank(StateInMemory(d));
    if (unknown || now < 0 || now >= need) continue;
    failed_ = true;
    report_({kPropTransitions,
             absl::StrFormat("reshape_mark(%d, %d) left chunk %d %s, below the %s of chunk %d "
                             "that held its data before (member rows %d+%d now, %d+%d before): "
                             "a reshape may not make a chunk less in need of a sync",
                             lo, hi, d, ChunkStateName((uint8_t)StateInMemory(d)),
                             kRankName[need], from, n_off, n_len, o_off, o_len),
             world_.Clock().Now()});
    return;
  }
}

void StepInvariants::OnReshapeResize(bool begin) {
  if (!array_ || skip_.count(kPropTransitions)) return;
  if (begin) {
    OnStep();
    reshape_resize_fiber_ = 0;
    reshape_resize_before_.clear();
    if (failed_ || !array_->BitmapEnabled() || !ChunkSizeKnown()) return;
    reshape_resize_fiber_ = CurrentFiberId(world_);
    reshape_resize_cs_ = 1ull << ChunkShift();
    reshape_resize_whole_ = array_->Degraded() == 0;
    for (uint64_t c = 0; c < Chunks(); c++) reshape_resize_before_.push_back(StateInMemory(c));
    return;
  }
  uint64_t fiber = reshape_resize_fiber_;
  reshape_resize_fiber_ = 0;
  if (!fiber) return;
  OnStep();
  if (failed_ || !array_->BitmapEnabled() || !ChunkSizeKnown()) return;
  uint64_t cs = 1ull << ChunkShift(), old_cs = reshape_resize_cs_;
  if (cs < old_cs) return;  // md never shrinks a chunk; not a merge to judge
  uint64_t f = cs / old_cs, old_n = reshape_resize_before_.size();
  for (uint64_t j = 0; j < Chunks(); j++) {
    int need = 0;
    uint64_t from = j;
    bool unknown = false;
    for (uint64_t k = j * f; k < (j + 1) * f && k < old_n; k++) {
      int r = ReshapeRank(reshape_resize_before_[k]);
      // The resize settles the bitmap first, as the daemon would: on a
      // whole array, with IO quiesced, a Dirty chunk may be cleaned (a
      // member may fail meanwhile).
      if (r == 2 && (reshape_resize_whole_ || array_->Degraded() == 0)) r = 1;
      if (r < 0) unknown = true;
      if (r > need) {
        need = r;
        from = k;
      }
    }
    int now = ReshapeRank(StateInMemory(j));
    if (unknown || now < 0 || now >= need) continue;
    failed_ = true;
    report_({kPropTransitions,
             absl::StrFormat("the resize starting a reshape (chunk size %d -> %d sectors) left "
                             "chunk %d %s, below the %s of chunk %d it absorbs: a merge may not "
                             "make a chunk less in need of a sync",
                             old_cs, cs, j, ChunkStateName((uint8_t)StateInMemory(j)),
                             kRankName[need], from),
             world_.Clock().Now()});
    return;
  }
}

void StepInvariants::OnSyncAbortBegin() {
  if (failed_ || !array_) return;
  OnStep();
  abort_began_[CurrentFiberId(world_)] = steps_;
}

void StepInvariants::OnSyncAborted(uint64_t sector) {
  if (failed_ || !array_ || skip_.count(kPropTransitions)) return;
  OnStep();  // attribute any change end_sync made before judging it
  if (failed_) return;
  uint64_t began = 0;
  if (auto it = abort_began_.find(CurrentFiberId(world_)); it != abort_began_.end()) {
    began = it->second;
    abort_began_.erase(it);
  }
  if (!ChunkSizeKnown()) return;
  uint64_t chunks = Chunks();
  for (uint64_t c = sector >> ChunkShift(); c < chunks; c++) {
    int st = StateInMemory(c);
    if (st != (int)ChunkState::kSyncing && st != (int)ChunkState::kSyncingUnwritten) continue;
    auto since = syncing_since_.find(c);
    if (since != syncing_since_.end() && since->second > began) continue;  // synced anew meanwhile
    failed_ = true;
    report_({kPropTransitions,
             absl::StrFormat("end_sync at sector %d (Abortsync) left chunk %d %s; the table gives "
                             "every Syncing chunk from there on back to NeedSync, else the "
                             "unfinished sync ends as if done; seen in %s",
                             sector, c, ChunkStateName(st), Where()),
             world_.Clock().Now()});
    return;
  }
}

void StepInvariants::OnBitmapWrite(int disk, uint64_t sector, uint32_t sectors) {
  if (failed_ || !array_ || skip_.count(kPropBitmapBounds)) return;
  const MemberLayout& l = array_->LayoutOf(disk);  // each member's own
  uint64_t end = l.BitmapEnd();
  if (sector >= l.BitmapStart() && sector + sectors <= end) return;
  failed_ = true;
  // What lies outside the region depends on the metadata version: the md
  // superblock (right after a 1.0 bitmap, right before a 1.1/1.2 one), the
  // data area, or unused room. Overwriting the superblock is named as such:
  // the member then no longer assembles.
  uint64_t sb_end = l.sb_start + kMdSbBytes / 512;
  bool onto_sb = sector < sb_end && l.sb_start < sector + sectors;
  // (1.2 keeps the message it always had: known-failure lists match it.)
  std::string meta = l.metadata_minor == 2
                         ? std::string()
                         : absl::StrCat(", metadata ", MetadataName(l.metadata_minor));
  report_({kPropBitmapBounds,
           absl::StrFormat("bitmap write to sectors %d+%d of disk %d runs past the %d sectors md "
                           "reserved for the bitmap (%d..%d%s)%s; seen in %s",
                           sector, sectors, disk, l.bitmap_space, l.BitmapStart(), end - 1, meta,
                           onto_sb ? absl::StrFormat(" onto the md superblock (%d..%d)",
                                                     l.sb_start, sb_end - 1)
                                   : std::string(),
                           Where()),
           world_.Clock().Now()});
}

void StepInvariants::AnnouncePage(int idx, bool gone) {
  if (!memory_listener_ || !array_) return;
  auto it = pages_.find(idx);
  if (it == pages_.end()) return;
  uint64_t chunks = Chunks();
  for (uint64_t pos = (uint64_t)idx * 4096; pos < (uint64_t)(idx + 1) * 4096; pos++) {
    if (pos < kDataOffset || pos - kDataOffset >= chunks) continue;
    memory_listener_(pos - kDataOffset, gone ? -1 : it->second[pos % 4096]);
  }
}

void StepInvariants::AnnounceAllGone() {
  for (const auto& [idx, mem] : pages_) AnnouncePage(idx, true);
}

std::string StepInvariants::Where() const {
  Fiber* f = world_.Sched().Current();
  return f ? "fiber '" + f->name + "'" : std::string("the harness");
}

void StepInvariants::OnPageFreed(const void* mem) {
  for (auto it = pages_.begin(); it != pages_.end();) {
    if (it->second != mem) {
      ++it;
      continue;
    }
    AnnouncePage(it->first, true);
    snapshot_.erase(it->first);
    written_.erase(it->first);
    it = pages_.erase(it);
  }
}

void StepInvariants::OnBitmapCall(BitmapOp op, bool begin) {
  uint64_t id = CurrentFiberId(world_);
  if (!id) return;
  Fiber* f = world_.Sched().Current();
  bool cancelled = f && f->cancel_requested;
  // What the fiber changed before belongs to what it ran then; what it
  // changed since the call began belongs to the call.
  if (!cancelled) OnStep();
  looked_up_id_ = ~0ull;
  if (begin) {
    bool d = array_ && array_->Degraded() > 0;
    contexts_[id].push_back({op, d, !d});
    return;
  }
  auto it = contexts_.find(id);
  if (it == contexts_.end()) return;
  if (!it->second.empty()) it->second.pop_back();
  if (it->second.empty()) contexts_.erase(it);
}

void StepInvariants::OnStep() {
  if (failed_ || !array_) return;
  steps_++;
  // The fiber's operations note how they saw the array (it has run since
  // its last step with the array as it is now: nothing else runs while it
  // does); the innermost one is what it is doing.
  const Context* ctx = nullptr;
  if (uint64_t id = CurrentFiberId(world_); id != looked_up_id_) {
    auto it = contexts_.find(id);
    looked_up_id_ = id;
    looked_up_ = it == contexts_.end() ? nullptr : &it->second;
  }
  if (looked_up_) {
    bool d = array_->Degraded() > 0;
    for (Context& c : *looked_up_) (d ? c.saw_degraded : c.saw_whole) = true;
    if (!looked_up_->empty()) ctx = &looked_up_->back();
  }
  // Only core code changes the core's memory, and between two steps only
  // one fiber runs (every switch is a step): when that fiber was outside
  // the core (in md, a disk completion, the harness) and no IO began that
  // the checks below judge, nothing they look at can have changed. This
  // skips most of the byte compares, which were half the run time.
  if (!ctx && !recheck_) return;
  recheck_ = false;
  bool degraded = array_->Degraded() > 0;
  BitmapOp op = ctx ? ctx->op : BitmapOp::kNone;
  bool may_degraded = ctx ? ctx->saw_degraded : degraded;
  bool may_whole = ctx ? ctx->saw_whole : !degraded;
  // Nothing below changes what the chunk size reads from. It is looked up
  // only when a byte changed or a write is in flight: most steps need
  // neither, and the lookup was a tenth of a resync's checks.
  bool size_guessed = false;
  uint64_t shift = 0, chunks = 0;
  bool sized = false;
  auto size_up = [&] {
    if (sized) return;
    sized = true;
    shift = ChunkShift(&size_guessed);
    chunks = (array_->BitmapSectors() + (1ull << shift) - 1) >> shift;
  };
  // After a report the scan goes on, taking in every other change without
  // judging it: a campaign keeps going past a failure, and a change left
  // in memory unseen would be charged to whatever runs at the next step.
  bool reported = false;
  bool tracked = store_track::HooksActive();
  // No line marked since the last look: no page can have changed.
  bool unchanged = store_track::AllPagesWatched() && !check_store_hooks_ &&
                   store_track::MarkEpoch() == marks_epoch_;
  if (!unchanged) {
    marks_epoch_ = store_track::MarkEpoch();
    for (auto& [idx, mem] : pages_) {
      // A line the core did not store to since the last look cannot differ
      // (the store hooks see every store to it: store_hooks_test).
      uint64_t written = store_track::TakeWrittenLines(mem);
      uint64_t scan = tracked && !check_store_hooks_ ? written : store_track::kAllLines;
      if (!scan) continue;
      auto& snap = snapshot_[idx];
      for (; scan; scan &= scan - 1) {
        int line = __builtin_ctzll(scan);
        int base = line * 64;
        if (std::memcmp(snap.data() + base, mem + base, 64) == 0) continue;
        if (tracked && !(written >> line & 1) && !reported) {
          failed_ = true;
          report_({"store-hooks",
                   absl::StrFormat("bitmap page %d changed at byte %d in %s with no store to it "
                                   "seen by the store hooks: a change the step checks would have "
                                   "missed or judged late",
                                   idx, base, Where()),
                   world_.Clock().Now()});
          reported = true;
        }
        for (int off = base; off < base + 64; off++) {
          // Mostly one byte of the line changed: skip equal words whole.
          if (off % 8 == 0 && std::memcmp(snap.data() + off, mem + off, 8) == 0) {
            off += 7;
            continue;
          }
          if (snap[off] == mem[off]) continue;
          uint64_t pos = (uint64_t)idx * 4096 + off;
          uint8_t from = snap[off], to = mem[off];
          snap[off] = to;
          size_up();
          if (pos < kDataOffset || pos - kDataOffset >= chunks) continue;
          uint64_t chunk = pos - kDataOffset;
          if (memory_listener_) memory_listener_(chunk, to);
          if (proactive_fiber_ && CurrentFiberId(world_) != proactive_fiber_)
            proactive_unwritten_.erase(chunk);
          if (reshape_fiber_ && CurrentFiberId(world_) != reshape_fiber_)
            reshape_touched_.insert(chunk);
          transitions_++;
          // A sync is done only once its IO is: a chunk with bitmap-driven
          // sync IO in flight may not go from Syncing to Dirty, nor to Clean
          // from anything. (It may leave Syncing other ways: a discard, then a
          // neighbour's write, between start_sync and the IO, which the
          // barrier keeps apart from it.)
          bool was_syncing = from == (uint8_t)ChunkState::kSyncing ||
                             from == (uint8_t)ChunkState::kSyncingUnwritten;
          bool clean =
              to == (uint8_t)ChunkState::kClean || to == (uint8_t)ChunkState::kCleanUnwritten;
          bool done = clean || (was_syncing && to == (uint8_t)ChunkState::kDirty);
          if (to == (uint8_t)ChunkState::kSyncing || to == (uint8_t)ChunkState::kSyncingUnwritten)
            syncing_since_[chunk] = steps_;
          coverage_.Record(from, to, degraded, array_->ParityGeo() != nullptr);
          matrix_.Record(from, to, degraded, array_->ParityGeo() != nullptr, ActionsOf(op));
          if (reported) continue;
          if (done && sync_in_flight_.count(chunk) && !skip_.count(kPropNoCleanInFlight)) {
            failed_ = true;
            report_({kPropNoCleanInFlight,
                     absl::StrFormat("chunk %d went %s -> %s while %d sync IO(s) to it are in "
                                     "flight: its sync is not done until they are; seen in %s",
                                     chunk, ChunkStateName(from), ChunkStateName(to),
                                     sync_in_flight_[chunk], Where()),
                     world_.Clock().Now()});
            reported = true;
            continue;
          }
          // The resize starting a raid10 reshape may re-chunk: judged whole
          // when it returns (OnReshapeResize).
          uint32_t acts = ActionsOf(op);
          if (reshape_resize_fiber_ && CurrentFiberId(world_) == reshape_resize_fiber_)
            acts |= kActReshapeMerge;
          if (!ActionsExplain(acts, from, to, may_degraded, may_whole,
                              array_->ParityGeo() != nullptr) &&
              !skip_.count(kPropTransitions)) {
            failed_ = true;
            report_({kPropTransitions,
                     absl::StrFormat("chunk %d went %s -> %s (byte %d -> %d) in %s, run while the "
                                     "array was %s, which the documented table does not allow "
                                     "there; seen in %s",
                                     chunk, ChunkStateName(from), ChunkStateName(to), from, to,
                                     BitmapOpName(op),
                                     may_degraded && may_whole ? "degraded and whole"
                                     : may_degraded            ? "degraded"
                                                               : "whole",
                                     Where()),
                     world_.Clock().Now()});
            reported = true;
          }
        }
      }
    }
  }
  if (reported || skip_.count(kPropNoCleanInFlight)) return;
  // A shrink gives up the chunks past its new end, writes in flight there
  // included (their data is outside the array from then on).
  // Which byte is a chunk's is only known once the core has told md its
  // chunk size or written its superblock: a page it has only read cannot
  // be judged chunk by chunk before that.
  if (in_flight_.empty()) return;
  size_up();
  if (size_guessed) return;
  uint64_t live_end = std::min(array_->BitmapSectors(), array_->ResizingTo());
  for (auto& [chunk, n] : in_flight_) {
    if ((chunk << shift) >= live_end) continue;
    int st = StateInMemory(chunk);
    if (st == (int)ChunkState::kClean || st == (int)ChunkState::kUnwritten) {
      failed_ = true;
      report_({kPropNoCleanInFlight,
               absl::StrFormat("chunk %d is %s in memory while %d write(s) to it are in flight",
                               chunk, ChunkStateName(st), n),
               world_.Clock().Now()});
      return;
    }
  }
}

std::vector<uint64_t> StepInvariants::DirtyChunks() const {
  std::vector<uint64_t> out;
  uint64_t chunks = Chunks();
  for (uint64_t c = 0; c < chunks; c++)
    if (StateInMemory(c) == (int)ChunkState::kDirty) out.push_back(c);
  return out;
}

// Chunks (ascending) as bitmap-space sector ranges [first, end), merged.
static std::vector<std::pair<uint64_t, uint64_t>> ChunkRanges(const std::vector<uint64_t>& chunks,
                                                              uint64_t sh) {
  std::vector<std::pair<uint64_t, uint64_t>> out;
  for (uint64_t c : chunks) {
    uint64_t b = c << sh, e = (c + 1) << sh;
    if (!out.empty() && out.back().second == b)
      out.back().second = e;
    else
      out.emplace_back(b, e);
  }
  return out;
}

std::vector<std::pair<uint64_t, uint64_t>> StepInvariants::UnsyncedSectorRanges() const {
  bool guessed;
  uint64_t sh = ChunkShift(&guessed);
  if (guessed) return {};
  return ChunkRanges(UnsyncedChunks(), sh);
}

std::vector<std::pair<uint64_t, uint64_t>> StepInvariants::ParityPromisedRanges() const {
  bool guessed;
  uint64_t sh = ChunkShift(&guessed);
  if (guessed) return {};
  std::vector<uint64_t> promised;
  uint64_t chunks = Chunks();
  for (uint64_t c = 0; c < chunks; c++) {
    int st = StateInMemory(c);
    if (st == (int)ChunkState::kClean || st == (int)ChunkState::kDirty ||
        st == (int)ChunkState::kCleanUnwritten)
      promised.push_back(c);
  }
  return ChunkRanges(promised, sh);
}

std::vector<uint64_t> StepInvariants::UnsyncedChunks() const {
  std::vector<uint64_t> out;
  uint64_t chunks = Chunks();
  for (uint64_t c = 0; c < chunks; c++) {
    int st = StateInMemory(c);
    if (st == (int)ChunkState::kNeedSync || st == (int)ChunkState::kSyncing ||
        st == (int)ChunkState::kNeedSyncUnwritten || st == (int)ChunkState::kSyncingUnwritten)
      out.push_back(c);
  }
  return out;
}

}  // namespace llsim
