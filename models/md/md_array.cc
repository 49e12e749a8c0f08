// The md model: array lifecycle (create, assemble, stop, administration)
// and the md.h helpers the core calls (MdHost). See md_array.h.
#include "models/md/md_array.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "models/md/barrier_bucket.h"
#include "models/md/md_internal.h"
#include "models/md/raid10_geo.h"
#include "core/kshim/src/store_track.h"

namespace llsim {

const char* BitmapOpName(BitmapOp op) {
  static const char* names[] = {
      "outside any bitmap operation", "create", "load", "destroy", "flush", "resize",
      "write_all", "update_sb", "get_stats", "prepare_range", "start_write", "end_write",
      "start_discard", "end_discard", "unplug", "skip_sync_blocks", "start_sync", "end_sync",
      "close_sync", "cond_end_sync", "a sysfs store", "dirty_bits", "daemon_work",
      "blocks_synced", "start_behind_write", "end_behind_write", "wait_behind_writes",
      "a sysfs show", "a work item of the core's", "a timer callback of the core's",
      "reshape_can_start", "reshape_mark", "reshape_finish"};
  static_assert(sizeof(names) / sizeof(names[0]) == (size_t)BitmapOp::kReshapeFinish + 1);
  return names[(int)op];
}

namespace {

std::vector<uint8_t> BitmapSuperblockBytes(const ArrayConfig& cfg,
                                           const std::array<uint8_t, 16>& uuid) {
  bitmap_super_t sb{};
  sb.magic = BITMAP_MAGIC;
  sb.version = BITMAP_MAJOR_LOCKLESS;
  std::copy(uuid.begin(), uuid.end(), sb.uuid);
  sb.state = 1u << BITMAP_FIRST_USE;
  if (cfg.assume_clean) sb.state |= 1u << BITMAP_CLEAN;
  sb.daemon_sleep = cfg.daemon_sleep;
  sb.sectors_reserved = cfg.bitmap_space;
  sb.write_behind = cfg.write_behind;  // mdadm --write-behind
  sb.sync_size = BitmapSectors(cfg);  // what the bitmap covers
  std::vector<uint8_t> bytes(4096, 0);
  std::memcpy(bytes.data(), &sb, sizeof(sb));
  return bytes;
}

}  // namespace

absl::Status CreateArrayDisks(World& world, const ArrayConfig& cfg) {
  if (absl::Status s = cfg.Validate(); !s.ok()) return s;
  if (world.DiskCount() != 0)
    return absl::FailedPreconditionError("the world already has disks");
  MemberLayout l = MemberLayout::For(cfg);
  std::array<uint8_t, 16> uuid;
  Rng rng = world.Stream("md.uuid");
  for (auto& b : uuid) b = (uint8_t)rng.Next();
  for (int i = 0; i < cfg.mirrors + cfg.spares; i++) {
    MemberLayout dl = MemberLayout::For(cfg, i);  // a spare may be bigger
    Disk& d = world.AddDisk({cfg.logical_block_size, dl.capacity, dl.meta_head, dl.meta_tail});
    if (cfg.write_mostly >> i & 1) d.SetLatencyMultiplier(cfg.slow_write_mostly);
    if (i >= cfg.mirrors) continue;  // blank spares
    MdSuperblock sb;
    sb.uuid = uuid;
    sb.events = 1;
    sb.dev_sectors = cfg.dev_sectors;
    // mdadm --create starts a resync unless told the mirrors are clean.
    sb.resync_offset = cfg.assume_clean ? kMaxSector : 0;
    sb.clean = cfg.assume_clean;
    sb.raid_disks = cfg.mirrors;
    sb.desc_nr = i;
    sb.role = i;
    sb.roles.fill(kRoleSpare);
    for (int k = 0; k < cfg.mirrors; k++) sb.roles[k] = k;
    d.FormatBytes(l.sb_start, sb.Encode());
    d.FormatBytes(l.BitmapStart(), BitmapSuperblockBytes(cfg, uuid));
  }
  // (The 1.2 note stays as it always was: traces recorded before other
  // metadata versions existed keep their event hash.)
  std::string meta = cfg.metadata_minor == 2
                         ? std::string()
                         : absl::StrFormat(", metadata %s (superblock at %d, bitmap at %+d, "
                                           "data at %d)",
                                           MetadataName(cfg.metadata_minor), l.sb_start,
                                           l.bitmap_offset, l.data_offset);
  if (cfg.level != 1)
    world.Note(absl::StrFormat("md: created %s of %d disks, %d sectors each (array %d), "
                               "lbs %d, bitmap space %d sectors, %d spares%s",
                               cfg.LevelName(), cfg.mirrors, cfg.dev_sectors,
                               ArraySectors(cfg), cfg.logical_block_size, cfg.bitmap_space,
                               cfg.spares, meta));
  else
    world.Note(absl::StrFormat("md: created raid1 of %d mirrors, %d sectors, lbs %d, "
                               "bitmap space %d sectors, %d spares%s",
                               cfg.mirrors, cfg.dev_sectors, cfg.logical_block_size,
                               cfg.bitmap_space, cfg.spares, meta));
  return absl::OkStatus();
}

MdArray::MdArray(World& world, Kshim& kshim, const ArrayConfig& cfg, DataOracle* oracle)
    : world_(world), kshim_(kshim), cfg_(cfg), layout_(MemberLayout::For(cfg)),
      oracle_(oracle),
      plug_rng_(world.Stream("md.plug")),
      read_rng_(world.Stream("md.read")) {
  kshim_.SetMdHost(this);
  ops_ = kshim_.BitmapOps();
  for (auto* v : {&bucket_pending_, &bucket_waiting_, &bucket_queued_, &bucket_barrier_})
    v->assign(kBarrierBuckets, 0);
  INIT_LIST_HEAD(&mddev_.disks);
  llsim_init_waitqueue_head(&mddev_.recovery_wait, "mddev->recovery_wait");
  llsim_init_waitqueue_head(&mddev_.sb_wait, "mddev->sb_wait");
  llsim_mutex_init(&mddev_.bitmap_info.mutex, "bitmap_info.mutex");
  llsim_spin_lock_init(&device_lock_, "conf->device_lock");
  array_bdev_.name = "md0";
  array_bdev_.logical_block_size = cfg_.logical_block_size;
  array_bdev_.llsim_disk = -1;
  gendisk_.part0 = &array_bdev_;
  std::snprintf(gendisk_.disk_name, sizeof(gendisk_.disk_name), "md0");
  mddev_.gendisk = &gendisk_;
  mddev_.thread = reinterpret_cast<md_thread*>(&thread_wait_);
  mddev_.pers = nullptr;
  mddev_.private_ = this;
  mddev_.level = 1;
  mddev_.new_level = 1;
  mddev_.persistent = 1;
  mddev_.raid_disks = cfg_.mirrors;
  mddev_.reshape_position = kMaxSector;
  mddev_.bitmap_id = ID_LLBITMAP;
  r5_off_ = layout_.data_offset;
  created_chunk_sectors_ = cfg_.chunk_sectors;
  mddev_.llsim_model = this;
  pers_.head.type = MD_PERSONALITY;
  pers_.head.id = ID_RAID1;
  pers_.head.name = "raid1";
  if (cfg_.level == 10) {
    // The new_* fields equal the live ones: a core compares them to tell
    // a reshape in progress.
    mddev_.level = mddev_.new_level = 10;
    mddev_.layout = mddev_.new_layout =
        cfg_.near_copies | cfg_.far_copies << 8 | (cfg_.far_offset ? 1 << 16 : 0);
    mddev_.chunk_sectors = mddev_.new_chunk_sectors = (int)cfg_.chunk_sectors;
    pers_.head.id = ID_RAID10;
    pers_.head.name = "raid10";
    // raid10's bitmap covers the array: raid10_bitmap_sync_size, in the
    // old or the new geometry while a reshape runs.
    pers_.bitmap_sync_size = [](struct mddev* m, bool prev) {
      auto* a = static_cast<MdArray*>(m->llsim_model);
      if (a->r10_prev_) return (sector_t)(prev ? a->r10_prev_ : a->geo_)->array_sectors;
      return m->resync_max_sectors;
    };
    pers_.bitmap_array_sectors = pers_.bitmap_sync_size;
  }
  if (cfg_.Parity()) {
    mddev_.level = mddev_.new_level = cfg_.level;
    mddev_.layout = mddev_.new_layout =
        (int)(cfg_.level == 4 ? Raid5Algo::kParityLast : cfg_.raid5_algo);
    mddev_.chunk_sectors = mddev_.new_chunk_sectors = (int)cfg_.chunk_sectors;
    pers_.head.id = cfg_.level == 4 ? ID_RAID4 : cfg_.level == 5 ? ID_RAID5 : ID_RAID6;
    pers_.head.name = cfg_.level == 6 ? "raid6" : cfg_.level == 5 ? "raid5" : "raid4";
    // raid5_bitmap_sector(_map): an array range becomes the member rows it
    // touches, rounded out to whole rows (during a reshape, in either geometry).
    // During a reshape the old geometry holds what lies at or past
    // reshape_position (raid5_bitmap_sector_map's `previous`).
    pers_.bitmap_sector = [](struct mddev* m, sector_t* off, unsigned long* len) {
      auto* a = static_cast<MdArray*>(m->llsim_model);
      bool prev = a->Reshaping() && *off >= m->reshape_position;
      uint64_t dev = 0, n = 0;
      a->ReshapeRows(*off, *len, prev, &dev, &n);
      *off = dev;
      *len = (unsigned long)n;
    };
    pers_.bitmap_sector_map = [](struct mddev* m, sector_t* off, unsigned long* len, bool prev) {
      auto* a = static_cast<MdArray*>(m->llsim_model);
      uint64_t dev = 0, n = 0;
      a->ReshapeRows(*off, *len, prev, &dev, &n);
      *off = dev;
      *len = (unsigned long)n;
    };
    pers_.bitmap_sync_size = [](struct mddev* m, bool) { return m->dev_sectors; };
    pers_.bitmap_array_sectors = [](struct mddev* m, bool prev) {
      auto* a = static_cast<MdArray*>(m->llsim_model);
      if (a->Reshaping()) return (sector_t)(prev ? a->r5_prev_ : a->r5_)->array_sectors;
      return m->array_sectors;
    };
  }
  pers_.quiesce = [](struct mddev* m, int on) {
    static_cast<MdArray*>(m->llsim_model)->Quiesce(on != 0);
  };
  for (size_t i = 0; i < world_.DiskCount(); i++) {
    auto m = std::make_unique<Member>();
    m->disk = (int)i;
    m->d = &world_.GetDisk((int)i);
    m->name = absl::StrCat("sd", std::string(1, (char)('a' + i)));
    m->bdev.name = m->name.c_str();
    m->bdev.logical_block_size = cfg_.logical_block_size;
    // Each member's own geometry: a bigger spare's 1.0 superblock (and so
    // its bitmap) sits elsewhere than the mirrors'.
    m->layout = MemberLayout::For(cfg_, (int)i);
    m->bdev.nr_sectors = m->layout.capacity;
    // A thin or NVMe device that zeroes by unmapping: llbitmap then zeroes
    // a new raid456 array instead of syncing it (CleanUnwritten).
    m->bdev.write_zeroes_unmap_sectors = cfg_.write_zeroes ? 0xffff : 0;
    m->bdev.llsim_disk = (int)i;
    m->rdev.bdev = &m->bdev;
    m->rdev.sb_start = m->layout.sb_start;
    m->rdev.data_offset = layout_.data_offset;
    m->rdev.new_data_offset = layout_.data_offset;
    m->rdev.raid_disk = -1;
    m->rdev.saved_raid_disk = -1;
    m->rdev.desc_nr = (int)i;
    m->rdev.mddev = &mddev_;
    m->rdev.llsim_disk = (int)i;
    m->rdev.recovery_offset = kMaxSector;
    members_.push_back(std::move(m));
  }
}

MdArray::~MdArray() {
  if (safemode_timer_) world_.Sched().Cancel(safemode_timer_);
  if (kshim_.Host() == this) kshim_.SetMdHost(nullptr);
}

void MdArray::NoteMd(std::string text) {
  world_.Log().Record({world_.Clock().Now(), EventKind::kMd, 0, 0, 0, std::move(text)});
}

void MdArray::BlockOn(WaitList& wl, const std::function<bool()>& done, bool idle) {
  Scheduler& s = world_.Sched();
  if (!s.InFiber()) {
    if (!done())
      kshim_.Misuse(absl::StrCat("md model: blocking on '", wl.Name(), "' outside a fiber"));
    return;
  }
  // wait_event's order: queue, test, sleep. The tests read md state through
  // bitops and atomics, which are preemption points; a wake landing inside
  // one is kept for the sleep rather than lost.
  for (;;) {
    s.PrepareWait(wl);
    if (done()) break;
    s.Block(wl, idle ? BlockKind::kIdle : BlockKind::kUninterruptible);
  }
  s.FinishWait(wl);
}

MdArray::Member* MdArray::MemberByRdev(md_rdev* rdev) {
  for (auto& m : members_)
    if (&m->rdev == rdev) return m.get();
  return nullptr;
}

md_rdev* MdArray::AddRdev(Member& m) {
  // mdadm --write-mostly is a property of the device (its superblock's
  // devflags): it holds wherever the device joins.
  if (cfg_.write_mostly >> m.disk & 1) set_bit(WriteMostly, &m.rdev.flags);
  if (!m.in_array) {
    if (cfg_.md_list_order)
      list_add(&m.rdev.same_set, &mddev_.disks);
    else
      list_add_tail(&m.rdev.same_set, &mddev_.disks);
    m.in_array = true;
  }
  return &m.rdev;
}

void MdArray::Submit(Member& m, IoRequest req, IoCallback done) {
  m.d->Submit(std::move(req), std::move(done));
}

const MemberLayout& MdArray::LayoutOf(int disk) const {
  if (disk < 0 || disk >= (int)members_.size()) return layout_;
  return members_[disk]->layout;
}

bool MdArray::BitmapEnabled() const {
  return ops_ && mddev_.bitmap_ops && mddev_.bitmap && ops_->enabled(mddev_.bitmap, false);
}

bool MdArray::Broken() const { return test_bit(MD_BROKEN, &mddev_.flags); }

bool MdArray::FailureUnrecorded() const {
  for (auto& m : members_)
    if (m->in_array && test_bit(Faulty, &m->rdev.flags) && test_bit(Blocked, &m->rdev.flags))
      return true;
  return false;
}

std::vector<int> MdArray::InSyncDisks() const {
  std::vector<int> out;
  for (auto& m : members_)
    if (m->in_array && m->rdev.raid_disk >= 0 && test_bit(In_sync, &m->rdev.flags) &&
        !test_bit(Faulty, &m->rdev.flags))
      out.push_back(m->disk);
  return out;
}

std::vector<std::pair<int, uint64_t>> MdArray::InSyncCopies(uint64_t sector) const {
  std::vector<std::pair<int, uint64_t>> out;
  for (auto& m : members_) {
    if (!m->in_array || m->rdev.raid_disk < 0 || !RdevFlag(m->rdev, In_sync) ||
        RdevFlag(m->rdev, Faulty))
      continue;
    uint64_t dev = DevSector(*m, sector);
    if (dev != kNoCopy) out.emplace_back(m->disk, dev);
  }
  return out;
}

std::vector<bool> MdArray::WorkingSlots() const {
  std::vector<bool> ok(cfg_.mirrors, false);
  for (auto& m : members_)
    if (m->in_array && m->rdev.raid_disk >= 0 && m->rdev.raid_disk < cfg_.mirrors &&
        RdevFlag(m->rdev, In_sync) && !RdevFlag(m->rdev, Faulty))
      ok[m->rdev.raid_disk] = true;
  return ok;
}

bool MdArray::Raid10Enough(int ignore_slot) const {
  std::vector<bool> ok = WorkingSlots();
  // raid10's enough(): during a reshape, in both geometries.
  auto in_sync = [&](int slot) { return slot < (int)ok.size() && ok[slot]; };
  return geo_->Enough(in_sync, ignore_slot) &&
         (!r10_prev_ || r10_prev_->Enough(in_sync, ignore_slot));
}

void MdArray::UnbindAll() {
  for (auto& m : members_)
    if (m->in_array) {
      list_del_rcu(&m->rdev.same_set);
      m->in_array = false;
    }
}

uint64_t MdArray::PeekArraySector(uint64_t v) const {
  return r5_ ? Raid5Peek(v) : 0;
}

uint64_t MdArray::DevSector(const Member& m, uint64_t sector) const {
  if (!geo_) return sector;
  // During a reshape the old geometry's data lies further on (its data
  // offset is the higher one): relative to the current offset, it is
  // shifted by the difference.
  bool prev = Raid10Prev(sector);
  const Raid10Geo& g = prev ? *r10_prev_ : *geo_;
  for (const Raid10Geo::Copy& c : g.Map(sector))
    if (c.slot == m.rdev.raid_disk) return c.dev + (prev ? r5_prev_off_ - r5_off_ : 0);
  return kNoCopy;
}

void MdArray::AdoptReshapedShape(const MdSuperblock& top) {
  if (top.raid_disks != (uint32_t)cfg_.mirrors) {
    cfg_.mirrors = (int)top.raid_disks;
    mddev_.raid_disks = cfg_.mirrors;
  }
  if (top.chunk_sectors) cfg_.chunk_sectors = top.chunk_sectors;
  mddev_.chunk_sectors = mddev_.new_chunk_sectors = (int)cfg_.chunk_sectors;
  r5_off_ = top.data_offset ? top.data_offset : layout_.data_offset;
  mddev_.reshape_position = kMaxSector;
  mddev_.delta_disks = 0;
}

void MdArray::ResumeReshapeAt(const MdSuperblock& top, uint32_t prev_chunk,
                              const std::string& level) {
  // *_run: a reshape to resume, from where the superblock says.
  r5_prev_off_ = top.prev_data_offset;
  mddev_.delta_disks = top.delta_disks;
  mddev_.chunk_sectors = (int)prev_chunk;
  mddev_.reshape_position = reshape_safe_ = reshape_progress_ = top.reshape_position;
  Reached("reshape resumed at assembly");
  NoteMd(absl::StrFormat("%s: reshape to %d members resumes at array sector %d", level,
                         cfg_.mirrors, top.reshape_position));
}

uint64_t MdArray::ContiguousSectors(uint64_t sector, uint64_t n) const {
  if (!geo_) return n;
  if (!r10_prev_) return geo_->PieceLen(sector, n);
  if (sector < reshape_safe_) return geo_->PieceLen(sector, std::min(n, reshape_safe_ - sector));
  return r10_prev_->PieceLen(sector, n);
}

int MdArray::DiskInSlot(int slot) const {
  // The slot's own member first, its replacement only when it is alone.
  int replacement = -1;
  for (auto& m : members_)
    if (m->in_array && m->rdev.raid_disk == slot && !test_bit(Faulty, &m->rdev.flags)) {
      if (!RdevFlag(m->rdev, Replacement)) return m->disk;
      if (replacement < 0) replacement = m->disk;
    }
  return replacement;
}

std::vector<int> MdArray::BitmapMembers() const {
  std::vector<int> out;
  for (auto& m : members_)
    if (m->in_array && m->rdev.raid_disk >= 0 && !test_bit(Faulty, &m->rdev.flags))
      out.push_back(m->disk);
  return out;
}

std::string MdArray::Describe() const {
  std::string s = absl::StrFormat("md0: %s, %d sectors, degraded %d, events %d, %s",
                                  running_ ? "running" : "stopped", mddev_.dev_sectors,
                                  mddev_.degraded, mddev_.events,
                                  mddev_.in_sync ? "clean" : "active");
  for (auto& m : members_) {
    if (!m->in_array) continue;
    absl::StrAppendFormat(&s, " [%s slot %d%s%s]", m->name, m->rdev.raid_disk,
                          test_bit(In_sync, &m->rdev.flags) ? " in_sync" : "",
                          test_bit(Faulty, &m->rdev.flags) ? " faulty" : "");
  }
  return s;
}

// ---- assemble ----------------------------------------------------------

IoResult MdArray::SubmitAndWait(Member& m, IoRequest req) {
  IoResult res;
  bool done = false;
  WaitList wl(req.tag);
  Submit(m, std::move(req), [&](IoResult x) {
    res = std::move(x);
    done = true;
    world_.Sched().WakeAll(wl);
  });
  BlockOn(wl, [&] { return done; });
  return res;
}

std::optional<MdSuperblock> MdArray::ReadMemberSb(Member& m) {
  IoRequest r{IoOp::kRead, m.layout.sb_start, kMdSbBytes / 512};
  r.tag = "mdadm: read superblock";
  IoResult res = SubmitAndWait(m, std::move(r));
  if (res.error) return std::nullopt;
  return MdSuperblock::Decode(res.bytes);
}

absl::Status MdArray::Assemble() {
  if (running_) return absl::FailedPreconditionError("md0 is already running");
  Reached("assemble");
  if (layout_.metadata_minor != 2)
    Reached(layout_.metadata_minor == 0 ? "metadata 1.0" : "metadata 1.1");
  LockGuard lock(this);
  // Read every member superblock, as mdadm --assemble does.
  struct Found {
    Member* m;
    MdSuperblock sb;
  };
  std::vector<Found> found;
  for (auto& m : members_)
    if (auto sb = ReadMemberSb(*m)) found.push_back({m.get(), *sb});
  if (found.empty()) return absl::NotFoundError("no md superblock on any member");
  const Found* fresh = &found[0];
  for (auto& f : found)
    if (f.sb.events > fresh->sb.events) fresh = &f;
  const MdSuperblock& top = fresh->sb;
  std::copy(top.uuid.begin(), top.uuid.end(), mddev_.uuid);
  mddev_.events = top.events;
  mddev_.dev_sectors = top.dev_sectors;
  mddev_.array_sectors = top.dev_sectors;
  mddev_.resync_max_sectors = top.dev_sectors;
  // A reshaped array (raid10, raid4/5/6) has the members and chunk its
  // superblock says, and its data where the last reshape moved it.
  if (cfg_.level == 10 || cfg_.Parity()) AdoptReshapedShape(top);
  if (cfg_.level == 10) {
    // raid10_run: the members' size (mdadm --size) gives the array's.
    auto geo = Raid10Geo::For(cfg_.mirrors, cfg_.near_copies, cfg_.far_copies,
                              cfg_.far_offset, cfg_.chunk_sectors, top.dev_sectors);
    if (!geo.ok()) return geo.status();
    geo_ = *geo;
    mddev_.dev_sectors = geo_->dev_sectors;
    mddev_.array_sectors = mddev_.resync_max_sectors = geo_->array_sectors;
    r10_prev_.reset();
    if (top.reshape) {
      auto prev = Raid10Geo::For(cfg_.mirrors - top.delta_disks, cfg_.near_copies,
                                 cfg_.far_copies, cfg_.far_offset,
                                 top.prev_chunk_sectors ? top.prev_chunk_sectors
                                                        : cfg_.chunk_sectors,
                                 top.dev_sectors);
      if (!prev.ok()) return prev.status();
      r10_prev_ = *prev;
      mddev_.array_sectors = mddev_.resync_max_sectors = r10_prev_->array_sectors;
      ResumeReshapeAt(top, r10_prev_->chunk_sectors, "raid10");
    }
  }
  if (cfg_.Parity()) {
    // raid5_run: members hold whole chunks; the bitmap covers their rows.
    auto geo = Raid5Geo::For(cfg_.level, cfg_.mirrors, cfg_.raid5_algo, cfg_.chunk_sectors,
                             top.dev_sectors);
    if (!geo.ok()) return geo.status();
    r5_ = *geo;
    mddev_.dev_sectors = mddev_.resync_max_sectors = r5_->dev_sectors;
    mddev_.array_sectors = r5_->array_sectors;
    r5_prev_.reset();
    if (top.reshape) {
      auto prev = Raid5Geo::For(cfg_.level, cfg_.mirrors - top.delta_disks, cfg_.raid5_algo,
                                top.prev_chunk_sectors ? top.prev_chunk_sectors
                                                       : cfg_.chunk_sectors,
                                top.dev_sectors);
      if (!prev.ok()) return prev.status();
      r5_prev_ = *prev;
      mddev_.array_sectors = r5_prev_->array_sectors;
      ResumeReshapeAt(top, r5_prev_->chunk_sectors, absl::StrCat("raid", cfg_.level));
    }
  }
  mddev_.resync_offset = top.clean ? top.resync_offset : 0;
  mddev_.recovery_cp = mddev_.resync_offset;
  mddev_.in_sync = top.clean;
  // super_1_validate: the bitmap offset is signed, relative to sb_start;
  // the space md itself grants is 0 for 1.1/1.2 (the core then takes the
  // bitmap superblock's sectors_reserved) and, for 1.0 with the bitmap
  // before the superblock, all of the room up to it.
  mddev_.bitmap_info.offset = (long long)layout_.bitmap_offset;
  mddev_.bitmap_info.space = layout_.MdBitmapSpace();
  mddev_.bitmap_info.default_offset = 2;
  mddev_.bitmap_info.default_space = 6;
  mddev_.bitmap_info.daemon_sleep = cfg_.daemon_sleep;
  mddev_.degraded = 0;
  mddev_.can_decrease_events = 0;  // md_clean: a new run starts going forward
  mddev_.recovery = 0;
  mddev_.sb_flags = 0;
  mddev_.flags = 0;
  oracle_->Resize(ArraySectors());

  int working = 0;
  // md insists on a good event count: one behind is tolerated. If that
  // leaves no in-sync member (a crash tore a superblock update so that a
  // recovering spare got ahead of every in-sync member), the operator
  // assembles with --force, as mdadm's message says to: the freshest
  // in-sync members are taken as they are.
  bool any_fresh_in_sync = false;
  for (auto& f : found)
    if (std::equal(f.sb.uuid.begin(), f.sb.uuid.end(), top.uuid.begin()) &&
        top.roles[f.sb.desc_nr] < cfg_.mirrors && f.sb.recovery_offset == kMaxSector &&
        f.sb.events + 1 >= top.events)
      any_fresh_in_sync = true;
  uint64_t force_from = 0;
  if (!any_fresh_in_sync)
    for (auto& f : found)
      if (std::equal(f.sb.uuid.begin(), f.sb.uuid.end(), top.uuid.begin()) &&
          top.roles[f.sb.desc_nr] < cfg_.mirrors && f.sb.recovery_offset == kMaxSector)
        force_from = std::max(force_from, f.sb.events);
  if (force_from)
    NoteMd(absl::StrFormat("mdadm --assemble --force: no in-sync member is fresh; taking "
                           "those at events %d", force_from));
  // Fresh in-sync members may also be too few for the level to start: a
  // crash tore the first superblock update after an assembly that found
  // one member an event ahead, and the others are now two behind (soak,
  // seed 77, raid6). mdadm says the array needs --force and the operator
  // gives it: stale in-sync members, the freshest first, are taken until
  // the array can start, as mdadm's force does.
  if (!force_from) {
    auto in_sync_role = [&](const Found& f) {
      return std::equal(f.sb.uuid.begin(), f.sb.uuid.end(), top.uuid.begin()) &&
             top.roles[f.sb.desc_nr] < cfg_.mirrors && f.sb.recovery_offset == kMaxSector &&
             !f.sb.replacement;
    };
    auto can_start = [&](uint64_t min_events) {
      std::vector<bool> ok(cfg_.mirrors, false);
      for (auto& f : found)
        if (in_sync_role(f) && f.sb.events >= min_events) ok[top.roles[f.sb.desc_nr]] = true;
      int missing = (int)std::count(ok.begin(), ok.end(), false);
      // raid10_run's enough(), raid5_run's degraded against the parities,
      // raid1_run's one working mirror (geo_ and r5_ are set above).
      auto slot_ok = [&](int slot) { return slot < (int)ok.size() && ok[slot]; };
      if (geo_) return geo_->Enough(slot_ok, -1) && (!r10_prev_ || r10_prev_->Enough(slot_ok, -1));
      if (r5_) return missing <= r5_->Parities();
      return missing < cfg_.mirrors;
    };
    uint64_t fresh_from = top.events ? top.events - 1 : 0;
    if (!can_start(fresh_from)) {
      std::vector<uint64_t> stale;
      for (auto& f : found)
        if (in_sync_role(f) && f.sb.events < fresh_from) stale.push_back(f.sb.events);
      std::sort(stale.rbegin(), stale.rend());
      for (uint64_t e : stale)
        if (can_start(e)) {
          force_from = e;
          break;
        }
      if (force_from) {
        NoteMd(absl::StrFormat("mdadm --assemble --force: too few fresh members to start; "
                               "taking in-sync members from events %d",
                               force_from));
        Reached("assembly forced: too few fresh members");
      }
    }
  }
  // The order mdadm binds members in (with md_list_order): the slots in
  // order, the spares, and the freshest member last.
  std::vector<std::pair<int, Member*>> bind;
  auto bind_order = [&](const Found& f, int role) {
    if (!cfg_.md_list_order) return 0;
    if (&f == fresh) return 1 << 30;
    return role >= 0 ? role : cfg_.mirrors + f.m->disk;
  };
  for (auto& f : found) {
    if (std::equal(f.sb.uuid.begin(), f.sb.uuid.end(), top.uuid.begin()) == false) continue;
    uint16_t role = top.roles[f.sb.desc_nr];
    if (role == kRoleSpare && f.sb.role == kRoleSpare) {
      // super_1_validate: a spare needs no event count; it is bound with no
      // slot, so it is on the member list when the bitmap is read, and
      // md_check_recovery gives it a slot (full recovery) if one is free.
      Member& m = *f.m;
      m.sb_events = f.sb.events;
      m.rdev.raid_disk = -1;
      m.rdev.saved_raid_disk = -1;
      m.rdev.flags = 0;
      if (cfg_.failfast) set_bit(FailFast, &m.rdev.flags);
      m.bad.clear();
      for (const auto& [s, len] : f.sb.bad_blocks) m.bad[s] = s + len;
      m.rdev.recovery_offset = 0;
      bind.emplace_back(bind_order(f, -1), &m);
      NoteMd(absl::StrFormat("%s bound as a spare", m.name));
      Reached("spare bound at assembly");
      continue;
    }
    if (role >= cfg_.mirrors) continue;  // faulty in the array's view
    bool forced = force_from && f.sb.recovery_offset == kMaxSector && f.sb.events >= force_from;
    if (f.sb.events + 1 < top.events && !forced) {
      NoteMd(absl::StrFormat("kicking non-fresh %s from array (events %d < %d)", f.m->name,
                             f.sb.events, top.events));
      continue;
    }
    Member& m = *f.m;
    m.sb_events = f.sb.events;
    m.rdev.raid_disk = role;
    m.rdev.saved_raid_disk = role;
    m.rdev.flags = 0;
    // mdadm --failfast: the member's superblock carries the flag.
    if (cfg_.failfast) set_bit(FailFast, &m.rdev.flags);
    // Its own superblock carries its bad-block log.
    m.bad.clear();
    for (const auto& [s, len] : f.sb.bad_blocks) m.bad[s] = s + len;
    m.rdev.recovery_offset = f.sb.recovery_offset;
    if (f.sb.replacement) {
      // super_1_validate: MD_FEATURE_REPLACEMENT. Not counted working here:
      // raid1's setup_conf puts it beside the member it replaces (or, with
      // none left, in the slot itself: see below). Its recovery is made a
      // full one when it starts (ChooseAndStartSync, FINDINGS.md M3).
      set_bit(Replacement, &m.rdev.flags);
      // super_1_validate reads MD_FEATURE_RECOVERY_BITMAP for it too: a
      // replacement's recovery was never bitmap-based.
      if (f.sb.recovery_offset != kMaxSector && !f.sb.recovery_bitmap)
        m.rdev.saved_raid_disk = -1;
    } else if (f.sb.recovery_offset == kMaxSector) {
      set_bit(In_sync, &m.rdev.flags);
      working++;
    } else if (!f.sb.recovery_bitmap) {
      // super_1_validate: a recovery that was not bitmap-based resumes as a
      // full one (raid1's setup_conf then sets fullsync).
      m.rdev.saved_raid_disk = -1;
      fullsync_ = true;
    }
    bind.emplace_back(bind_order(f, role), &m);
  }
  // setup_conf: a replacement with nobody left in its slot is the slot's
  // member; one whose recovery had finished is in sync (with the member it
  // replaced still there, md_check_recovery finishes the swap).
  for (auto& [order, m] : bind) {
    if (!RdevFlag(m->rdev, Replacement)) continue;
    bool beside = false;
    for (auto& [o_order, o] : bind)
      if (o != m && o->rdev.raid_disk == m->rdev.raid_disk && !RdevFlag(o->rdev, Replacement))
        beside = true;
    if (beside) continue;
    clear_bit(Replacement, &m->rdev.flags);
    if (m->rdev.recovery_offset == kMaxSector) {
      set_bit(In_sync, &m->rdev.flags);
      working++;
    } else if (m->rdev.saved_raid_disk < 0) {
      // setup_conf: a slot's member not in sync with no saved slot makes
      // the recovery a full one; the bitmap never knew what it lacks
      // (soak, raid10 n2 on 2 disks, seed 7: a replacement interrupted by
      // a crash resumed as a bitmap-based recovery and skipped Clean).
      fullsync_ = true;
    }
  }
  std::stable_sort(bind.begin(), bind.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  for (auto& [order, m] : bind) AddRdev(*m);
  for (auto& f : found)
    if (f.m->in_array == false && f.sb.role == kRoleSpare) f.m->blank = true;
  for (auto& m : members_)
    if (!m->in_array && std::none_of(found.begin(), found.end(),
                                     [&](const Found& f) { return f.m == m.get(); }))
      m->blank = true;
  if (working == 0) return absl::FailedPreconditionError("no working member to assemble from");

  if (geo_) {
    // raid10_run: degraded counts the slots without a working member, and
    // an array that lost every copy of some chunk does not start.
    std::vector<bool> slot_ok = WorkingSlots();
    mddev_.degraded = (int)std::count(slot_ok.begin(), slot_ok.end(), false);
    if (!Raid10Enough(-1)) {
      UnbindAll();
      return absl::FailedPreconditionError("raid10: not enough operational mirrors");
    }
    NoteMd(absl::StrFormat("raid10 %s: %d of %d disks working, resync_offset %d",
                           geo_->Name(), working, cfg_.mirrors, (int64_t)mddev_.resync_offset));
  } else if (r5_) {
    // raid5_run: degraded counts the slots without a working member; too
    // many, or a dirty array with one missing (its parity may be stale:
    // the write hole), and md refuses to start.
    std::vector<bool> slot_ok = WorkingSlots();
    mddev_.degraded = (int)std::count(slot_ok.begin(), slot_ok.end(), false);
    if (mddev_.degraded > r5_->Parities()) {
      UnbindAll();
      return absl::FailedPreconditionError(absl::StrFormat(
          "raid%d: not enough operational devices (%d/%d failed)", r5_->level, mddev_.degraded,
          r5_->disks));
    }
    write_hole_ = false;
    if (mddev_.degraded && mddev_.resync_offset != kMaxSector) {
      // raid5_run refuses ("cannot start dirty degraded array"); the
      // operator forces it (mdadm --assemble --force marks it clean) and
      // accepts the write hole: a row whose update a crash cut short may
      // rebuild the missing member wrong.
      NoteMd(absl::StrFormat("raid%d: cannot start dirty degraded array; mdadm --assemble "
                             "--force marks it clean (the write hole is accepted)",
                             r5_->level));
      Reached("dirty degraded start forced");
      mddev_.resync_offset = kMaxSector;
      write_hole_ = true;
    }
    seq_flush_ = seq_write_ = 0;
    bit_delay_stripes_ = 0;
    busy_stripes_.clear();
    lazy_disk_ = -1;
    NoteMd(absl::StrFormat("%s: %d of %d disks working, resync_offset %d", r5_->Name(),
                           working, cfg_.mirrors, (int64_t)mddev_.resync_offset));
  } else {
    // raid1_run
    mddev_.degraded = cfg_.mirrors - working;
    if (working == 1) mddev_.resync_offset = kMaxSector;
    NoteMd(absl::StrFormat("raid1: %d of %d mirrors working, resync_offset %d", working,
                           cfg_.mirrors, (int64_t)mddev_.resync_offset));
  }

  // Reach only (no IO, nothing decided): the bitmap superblock the core is
  // about to load says older events than md's, so a core that checks (as
  // llbitmap_read_sb does) treats every written chunk as stale. md's
  // superblocks go out after the bitmap's, so a crash between the two, or
  // an event rollback the bitmap never saw, leaves it behind.
  if (ops_)
    for (auto& m : members_) {
      if (!m->in_array || !test_bit(In_sync, &m->rdev.flags)) continue;
      std::vector<uint8_t> b =
          m->d->VisibleBytes(m->layout.BitmapStart(), m->d->BlockSectors());
      bitmap_super_t bsb;
      std::memcpy(&bsb, b.data(), sizeof(bsb));
      if (bsb.magic == BITMAP_MAGIC && !(bsb.state & (1u << BITMAP_FIRST_USE)) &&
          bsb.events < mddev_.events)
        Reached("bitmap events behind md at load");
      break;  // the member the core reads its superblock from first
    }

  // raid5_run's log setup: PPL and a write-intent bitmap exclude each
  // other (mdadm refuses to create such an array; md refuses to run it).
  // A journal goes as far as the bitmap's create, which refuses it.
  if (cfg_.consistency_policy == "ppl" && ops_) {
    NoteMd("raid5: PPL cannot be used with a write-intent bitmap");
    UnbindAll();
    return absl::FailedPreconditionError("PPL and a write-intent bitmap refused (-22)");
  }
  if (cfg_.consistency_policy == "journal") set_bit(MD_HAS_JOURNAL, &mddev_.flags);
  // md_bitmap_create: after pers->run, before pers is published.
  if (ops_) {
    mddev_.bitmap_ops = ops_;
    int err = (BitmapCall(this, BitmapOp::kCreate), ops_->create(&mddev_));
    if (err) {
      if (obs_.bitmap_gone) obs_.bitmap_gone();
      mddev_.bitmap_ops = nullptr;
      NoteMd(absl::StrFormat("bitmap create failed: %d", err));
      UnbindAll();
      return absl::InternalError(absl::StrFormat("bitmap create failed (%d)", err));
    }
  }
  longest_daemon_sleep_ = mddev_.bitmap_info.daemon_sleep;
  longest_barrier_idle_ = cfg_.barrier_idle;
  mddev_.pers = &pers_;
  set_bit(MD_RECOVERY_NEEDED, &mddev_.recovery);
  if (mddev_.degraded) set_bit(MD_RECOVERY_RECOVER, &mddev_.recovery);
  running_ = true;
  thread_stop_ = false;
  md_thread_fiber_ = world_.Sched().Spawn(geo_ ? "md0_raid10" : "md0_raid1", [this] { MdThreadMain(); });
  if (mddev_.sb_flags) UpdateSb(false);
  // do_md_run: load after the array runs. A failure destroys the bitmap
  // and fails RUN_ARRAY, and mdadm then stops the array: it never runs
  // without the bitmap it was created with.
  if (BitmapEnabled()) {
    int err = (BitmapCall(this, BitmapOp::kLoad), ops_->load(&mddev_));
    if (err) {
      NoteMd(absl::StrFormat("bitmap load failed: %d", err));
      if (obs_.bitmap_gone) obs_.bitmap_gone();
      (BitmapCall(this, BitmapOp::kDestroy), ops_->destroy(&mddev_));
      mddev_.bitmap_ops = nullptr;
      AbandonRun();
      return absl::InternalError(absl::StrFormat("bitmap load failed (%d)", err));
    }
  }
  // mdadm's tuning after assembly: sysfs writes into the bitmap's group.
  if (BitmapEnabled()) {
    if (cfg_.daemon_sleep != mddev_.bitmap_info.daemon_sleep)
      SysfsStore("daemon_sleep", absl::StrCat(cfg_.daemon_sleep, "\n"));
    if (cfg_.barrier_idle) SysfsStore("barrier_idle", absl::StrCat(cfg_.barrier_idle, "\n"));
  }
  NoteMd(absl::StrCat("assembled: ", Describe()));
  WakeupThread(mddev_.thread);
  return absl::OkStatus();
}

// ---- stop ----------------------------------------------------------------

absl::Status MdArray::Stop() {
  if (!running_) return absl::FailedPreconditionError("md0 is not running");
  NoteMd("stop");
  Reached("clean stop");
  // The user closes the device first: no new IO, the old drains (it may
  // need the md thread, so the reconfig mutex is not held yet).
  closing_ = true;
  BlockOn(barrier_wait_, [&] { return writes_in_flight_ == 0 && other_io_ == 0; });
  BlockOn(sync_exit_, [&] { return !start_sync_queued_; });
  LockGuard lock(this);
  set_bit(MD_RECOVERY_FROZEN, &mddev_.recovery);
  StopSyncThread();
  // __md_stop_writes
  Quiesce(true);
  Quiesce(false);
  if (BitmapEnabled()) (BitmapCall(this, BitmapOp::kFlush), ops_->flush(&mddev_));
  if (!mddev_.in_sync || mddev_.sb_flags) {
    mddev_.in_sync = 1;
    UpdateSb(/*force=*/true);  // __md_stop_writes: md_update_sb(mddev, 1)
  }
  // __md_stop
  if (mddev_.bitmap_ops && ops_) {
    if (obs_.bitmap_gone) obs_.bitmap_gone();
    (BitmapCall(this, BitmapOp::kDestroy), ops_->destroy(&mddev_));
    mddev_.bitmap_ops = nullptr;
  }
  AbandonRun();
  NoteMd("stopped");
  return absl::OkStatus();
}

void MdArray::AbandonRun() {
  thread_stop_ = true;
  WakeupThread(mddev_.thread);
  BlockOn(sync_exit_, [&] { return md_thread_fiber_ == 0; });
  if (safemode_timer_) {
    world_.Sched().Cancel(safemode_timer_);
    safemode_timer_ = 0;
  }
  mddev_.pers = nullptr;
  running_ = false;
  closing_ = false;
  for (auto& m : members_)
    if (m->in_array) {
      list_del_rcu(&m->rdev.same_set);
      m->in_array = false;
    }
}

// ---- administration ----------------------------------------------------

absl::Status MdArray::FailMember(int slot) {
  int disk = DiskInSlot(slot);
  if (disk < 0) return absl::NotFoundError(absl::StrFormat("no working member in slot %d", slot));
  Member& m = *members_[disk];
  NoteMd(absl::StrFormat("mdadm --fail %s", m.name));
  Error(&mddev_, &m.rdev);
  return absl::OkStatus();
}

absl::Status MdArray::Replace(int slot) {
  if (r5_)
    return absl::UnimplementedError(absl::StrFormat("raid%d replace is not modelled yet", r5_->level));
  LockGuard lock(this);
  int disk = DiskInSlot(slot);
  Member* orig = disk >= 0 ? members_[disk].get() : nullptr;
  if (!orig || !RdevFlag(orig->rdev, In_sync) || RdevFlag(orig->rdev, Replacement))
    return absl::FailedPreconditionError(
        absl::StrFormat("no in-sync member in slot %d to replace", slot));
  for (auto& m : members_)
    if (m->in_array && m->rdev.raid_disk == slot && RdevFlag(m->rdev, Replacement))
      return absl::FailedPreconditionError(
          absl::StrFormat("slot %d is being replaced already", slot));
  // mdadm --replace needs a spare: one already bound, or a blank disk
  // added now (mdadm --add, then --replace).
  bool have_spare = false;
  for (auto& m : members_)
    if (m->in_array && m->rdev.raid_disk < 0 && !test_bit(Faulty, &m->rdev.flags))
      have_spare = true;
  if (!have_spare && !BindBlankSpare())
    return absl::FailedPreconditionError("no spare to replace with");
  // echo want_replacement > md/dev-X/state
  set_bit(WantReplacement, &orig->rdev.flags);
  NoteMd(absl::StrFormat("mdadm --replace %s", orig->name));
  Reached("replace requested");
  set_bit(MD_RECOVERY_NEEDED, &mddev_.recovery);
  WakeupThread(mddev_.thread);
  return absl::OkStatus();
}

absl::Status MdArray::ReAdd(int disk) {
  if (disk < 0 || disk >= (int)members_.size())
    return absl::InvalidArgumentError(absl::StrFormat("no disk %d", disk));
  Member& m = *members_[disk];
  if (m.blank) return absl::FailedPreconditionError("a blank spare cannot be re-added");
  LockGuard lock(this);
  if (m.in_array && !test_bit(Faulty, &m.rdev.flags))
    return absl::FailedPreconditionError(absl::StrFormat("%s is still active", m.name));
  if (m.in_array) {
    // mdadm --remove: raid1 lets a faulty member go once its IO is done.
    if (atomic_read(&m.rdev.nr_pending))
      return absl::FailedPreconditionError(absl::StrFormat("%s still has IO", m.name));
    // md frees the old rdev and binds a new one at the end of the list;
    // a writeback walking the list still reaches whatever followed the
    // old one. Keeping the member where it stands, stripped of its slot,
    // is the same to every walker, and never sends one off the list.
    m.rdev.raid_disk = -1;
  }
  // super_1_validate on an add to a running array with a bitmap: a member
  // whose events are below the bitmap's events_cleared left before chunks
  // were cleaned, so the bitmap cannot say what it missed: it joins as a
  // new spare (full recovery). Otherwise bitmap-based recovery.
  std::optional<MdSuperblock> sb = ReadMemberSb(m);
  // The slot it held comes from its own superblock, as md reads it anew.
  int old_role = sb && sb->role < cfg_.mirrors ? sb->role : -1;
  md_bitmap_stats stats{};
  bool stats_ok = BitmapEnabled() && ops_->get_stats && (BitmapCall(this, BitmapOp::kGetStats), ops_->get_stats(mddev_.bitmap, &stats)) == 0;
  bool too_old = old_role < 0 || !stats_ok || sb->events < stats.events_cleared;
  // raid4/5/6 and raid10: a member that missed (part of) a reshape holds
  // its data in a geometry the array no longer has; mdadm refuses its
  // --re-add, and it joins as a new spare (full recovery).
  bool missed_reshape = false;
  if ((r5_ || geo_) && sb && !too_old &&
      (Reshaping() || sb->reshape || sb->raid_disks != (uint32_t)cfg_.mirrors ||
       (sb->data_offset ? sb->data_offset : layout_.data_offset) != r5_off_)) {
    too_old = missed_reshape = true;
    Reached("re-add after a reshape (full recovery)");
    NoteMd(absl::StrFormat("mdadm: --re-add of %s is not possible: it missed a reshape; "
                           "added as a new spare", m.name));
  }
  m.rdev.raid_disk = -1;
  m.rdev.saved_raid_disk = too_old ? -1 : old_role;
  m.rdev.flags = 0;
  if (!too_old) set_bit(Bitmap_sync, &m.rdev.flags);
  m.rdev.recovery_offset = 0;
  m.events_at_add = sb ? sb->events : 0;
  m.sb_events = sb ? sb->events : 0;
  m.bad.clear();
  if (sb)
    for (const auto& [s, len] : sb->bad_blocks) m.bad[s] = s + len;
  AddRdev(m);
  Reached(too_old ? "re-add (full recovery)" : "re-add");
  // Which side of events_cleared the member came back on (the order the
  // comparison above turns on).
  if (sb && stats_ok)
    Reached(sb->events > stats.events_cleared    ? "re-add events above events_cleared"
            : sb->events == stats.events_cleared ? "re-add events equal to events_cleared"
                                                 : "re-add events below events_cleared");
  if (too_old && !missed_reshape)
    NoteMd(absl::StrFormat("mdadm --re-add %s (was slot %d): events %d below events_cleared %d, "
                           "full recovery", m.name, old_role, sb ? (int64_t)sb->events : -1,
                           (int64_t)stats.events_cleared));
  else
    NoteMd(absl::StrFormat("mdadm --re-add %s (was slot %d)", m.name, old_role));
  set_bit(MD_RECOVERY_NEEDED, &mddev_.recovery);
  WakeupThread(mddev_.thread);
  return absl::OkStatus();
}

MdArray::Member* MdArray::BindBlankSpare() {
  for (auto& m : members_) {
    if (!m->blank || m->in_array) continue;
    m->blank = false;
    if (m->layout.sb_start != layout_.sb_start) Reached("spare with its own bitmap address");
    m->rdev.raid_disk = -1;
    m->rdev.saved_raid_disk = -1;
    m->rdev.flags = 0;
    m->rdev.recovery_offset = 0;
    m->sb_events = 0;
    m->bad.clear();
    AddRdev(*m);
    NoteMd(absl::StrFormat("mdadm --add %s (new spare)", m->name));
    return m.get();
  }
  return nullptr;
}

absl::Status MdArray::AddSpare() {
  LockGuard lock(this);
  if (!BindBlankSpare()) return absl::FailedPreconditionError("no blank spare disk left");
  Reached("spare added");
  set_bit(MD_RECOVERY_NEEDED, &mddev_.recovery);
  WakeupThread(mddev_.thread);
  return absl::OkStatus();
}

absl::Status MdArray::Resize(uint64_t new_sectors) {
  if (!running_) return absl::FailedPreconditionError("md0 is not running");
  // raid10_resize: a far layout keeps its copies a band apart, and a band
  // is a fraction of the member, so its size cannot change (EINVAL).
  if (geo_ && geo_->far_copies > 1 && !geo_->far_offset)
    return absl::InvalidArgumentError("raid10 far layouts cannot be resized (EINVAL)");
  LockGuard lock(this);
  if (Reshaping())
    return absl::FailedPreconditionError("resize refused while a reshape is pending (EBUSY)");
  if (test_bit(MD_RECOVERY_RUNNING, &mddev_.recovery) || sync_thread_running_)
    return absl::FailedPreconditionError("resize refused while resync/recovery runs (EBUSY)");
  uint64_t bs = cfg_.logical_block_size / 512;
  // update_size: the new size must fit every member's data area
  // (rdev->sectors). Nothing on a member moves: on 1.0 the superblock
  // moves only when the member device itself grows (super_1_rdev_size_change),
  // which md refuses while a bitmap sits before it, and the simulated
  // members never change size.
  // raid5_resize: whole chunks per member (the size is the members').
  if (r5_) new_sectors -= new_sectors % r5_->chunk_sectors;
  if (new_sectors == 0 || new_sectors % bs || new_sectors > layout_.data_sectors)
    return absl::InvalidArgumentError(absl::StrFormat("size %d sectors does not fit the members",
                                                      new_sectors));
  std::optional<Raid10Geo> new_r10;
  if (geo_) {
    auto geo = Raid10Geo::For(geo_->disks, geo_->near_copies, geo_->far_copies,
                              geo_->far_offset, geo_->chunk_sectors, new_sectors);
    if (!geo.ok()) return geo.status();
    new_r10 = *geo;
  }
  std::optional<Raid5Geo> new_geo;
  if (r5_) {
    auto geo = Raid5Geo::For(r5_->level, cfg_.mirrors, cfg_.raid5_algo, r5_->chunk_sectors,
                             new_sectors);
    if (!geo.ok()) return geo.status();
    new_geo = *geo;
  }
  NoteMd(absl::StrFormat("resize %d -> %d sectors", mddev_.dev_sectors, new_sectors));
  // raid10's bitmap covers the array: it is resized to raid10_size.
  uint64_t bitmap_blocks = new_r10 ? new_r10->array_sectors : new_sectors;
  uint64_t old_array = ArraySectors();
  if (BitmapEnabled()) {
    resizing_to_ = bitmap_blocks;
    Reached("resize");
    int err = (BitmapCall(this, BitmapOp::kResize), ops_->resize(&mddev_, bitmap_blocks, 0));
    if (err) {
      resizing_to_ = ~0ull;
      NoteMd(absl::StrFormat("bitmap resize refused: %d", err));
      return absl::FailedPreconditionError(absl::StrFormat("bitmap resize failed (%d)", err));
    }
  }
  uint64_t old = mddev_.dev_sectors;
  if (new_r10) {
    // raid10_resize: md_set_array_sectors(raid10_size); a grow resyncs from
    // the old array size (resync_offset counts array sectors here); the
    // members' size is what calc_sectors makes of the new one.
    *geo_ = *new_r10;
    mddev_.array_sectors = mddev_.resync_max_sectors = geo_->array_sectors;
    if (new_sectors > old && mddev_.resync_offset > old_array) {
      mddev_.resync_offset = old_array;
      set_bit(MD_RECOVERY_NEEDED, &mddev_.recovery);
    }
    mddev_.dev_sectors = geo_->dev_sectors;
  } else {
    // md_set_array_sectors: raid5_size for parity, the members' size else.
    if (new_geo) *r5_ = *new_geo;
    mddev_.array_sectors = r5_ ? r5_->array_sectors : new_sectors;
    if (new_sectors > old && mddev_.resync_offset > old) {
      mddev_.resync_offset = old;
      set_bit(MD_RECOVERY_NEEDED, &mddev_.recovery);
    }
    mddev_.dev_sectors = new_sectors;
    mddev_.resync_max_sectors = new_sectors;
  }
  resizing_to_ = ~0ull;
  oracle_->Resize(mddev_.array_sectors);
  UpdateSb(/*force=*/true);  // size_store: md_update_sb(mddev, 1)
  WakeupThread(mddev_.thread);
  return absl::OkStatus();
}

void MdArray::Freeze(bool frozen) {
  NoteMd(frozen ? "sync_action frozen" : "sync_action idle");
  if (frozen) Reached("sync frozen");
  LockGuard lock(this);
  if (frozen) {
    set_bit(MD_RECOVERY_FROZEN, &mddev_.recovery);
    StopSyncThread();
  } else {
    clear_bit(MD_RECOVERY_FROZEN, &mddev_.recovery);
    set_bit(MD_RECOVERY_NEEDED, &mddev_.recovery);
    WakeupThread(mddev_.thread);
  }
}

ssize_t MdArray::SysfsStore(const std::string& name, const std::string& value) {
  if (!ops_) return -ENODEV;
  for (const attribute_group* g : BitmapAttrGroups()) {
    for (attribute** a = g->attrs; a && *a; a++) {
      if (name != (*a)->name) continue;
      // The attribute is the first member of md_sysfs_entry.
      auto* entry = reinterpret_cast<md_sysfs_entry*>(*a);
      if (!entry->store) return -EACCES;
      unsigned long sleep_before = mddev_.bitmap_info.daemon_sleep;
      if (obs_.sysfs_store) obs_.sysfs_store(name, true, 0);
      ssize_t rc = (BitmapCall(this, BitmapOp::kSysfs), entry->store(&mddev_, value.c_str(), value.size()));
      if (obs_.sysfs_store) obs_.sysfs_store(name, false, rc);
      // A timer armed with the old period keeps its deadline: the checks
      // that wait for the daemon allow for the longest period seen.
      longest_daemon_sleep_ =
          std::max({longest_daemon_sleep_, sleep_before, mddev_.bitmap_info.daemon_sleep});
      if (name == "barrier_idle" && rc > 0)
        longest_barrier_idle_ =
            std::max(longest_barrier_idle_, std::strtoul(value.c_str(), nullptr, 10));
      NoteMd(absl::StrFormat("sysfs %s/%s <- %s: %d", g->name ? g->name : "", name,
                             std::string(value.substr(0, value.find('\n'))), rc));
      return rc;
    }
  }
  return -ENOENT;
}

// ---- MdHost: the md.h helpers ------------------------------------------

void MdArray::WakeupThread(md_thread*) {
  thread_wakeup_ = true;
  world_.Sched().WakeAll(thread_wait_);
}

void MdArray::Error(mddev*, md_rdev* rdev) {
  Member* m = MemberByRdev(rdev);
  if (!m) {
    kshim_.Misuse("md_error on an rdev that is not a member");
    return;
  }
  MdErrorLocked(*m);
}

bool MdArray::SyncPageIo(md_rdev* rdev, sector_t sector, int size, page* pg, blk_opf_t opf,
                         bool metadata_op) {
  Member* m = MemberByRdev(rdev);
  if (!m || !pg || size <= 0 || size % 512) {
    kshim_.Misuse("sync_page_io with a bad rdev, page or size");
    return false;
  }
  uint64_t abs = (metadata_op ? rdev->sb_start : rdev->data_offset) + sector;
  IoRequest r;
  r.op = (opf & REQ_OP_MASK) == REQ_OP_WRITE ? IoOp::kWrite : IoOp::kRead;
  r.sector = abs;
  r.sectors = size / 512;
  r.fua = opf & REQ_FUA;
  r.preflush = opf & REQ_PREFLUSH;
  r.tag = "sync_page_io";
  if (r.op == IoOp::kWrite) r.bytes.assign((uint8_t*)pg->virt, (uint8_t*)pg->virt + size);
  atomic_inc(&rdev->nr_pending);
  IoResult res = SubmitAndWait(*m, std::move(r));
  atomic_dec(&rdev->nr_pending);
  uint64_t bitmap_from = rdev->sb_start + layout_.bitmap_offset;
  if (res.error && metadata_op && r.op == IoOp::kRead && abs >= bitmap_from)
    Reached("bitmap read error");
  if (res.error) return false;
  if (!res.bytes.empty()) {
    std::memcpy(pg->virt, res.bytes.data(), size);
    store_track::NoteWrite(pg->virt, size);
  }
  // A whole page of the bitmap region read from the media: the core's copy
  // of it, for the step invariants, from before it changes or writes it.
  uint64_t bstart = rdev->sb_start + (uint64_t)layout_.bitmap_offset;
  if (metadata_op && r.op == IoOp::kRead && size == PAGE_SIZE && abs >= bstart &&
      (abs - bstart) % 8 == 0 && abs - bstart < layout_.bitmap_space && obs_.bitmap_page_read)
    obs_.bitmap_page_read((int)((abs - bstart) / 8), (const uint8_t*)pg->virt);
  return true;
}

void MdArray::WriteMetadata(mddev*, md_rdev* rdev, sector_t sector, int size, page* pg,
                            unsigned int offset) {
  // The core's md_write_metadata: every write it makes is a bitmap write,
  // wherever it lands, so each one is shown to the bounds check (md's own
  // superblock writes go through SubmitMetadataWrite directly).
  Member* m = MemberByRdev(rdev);
  if (!pg || !m || test_bit(Faulty, &rdev->flags)) return;
  if (size <= 0 || offset + size > PAGE_SIZE) {
    kshim_.Misuse(absl::StrFormat("md_write_metadata of %d bytes at page offset %d", size,
                                  offset));
    return;
  }
  uint64_t bstart = rdev->sb_start + (uint64_t)layout_.bitmap_offset;
  if (obs_.bitmap_write) obs_.bitmap_write(m->disk, sector, size / 512);
  if (sector >= bstart && sector - bstart < layout_.bitmap_space && obs_.bitmap_page_seen) {
    int page_index = (int)((sector - bstart) / 8);
    obs_.bitmap_page_seen(page_index, (const uint8_t*)pg->virt);
  }
  SubmitMetadataWrite(*m, sector, size, pg, offset);
}

void MdArray::SubmitMetadataWrite(Member& mem, uint64_t sector, int size, page* pg,
                                  unsigned int offset) {
  Member* m = &mem;
  IoRequest r{IoOp::kWrite, sector, (uint32_t)(size / 512), true, true};
  r.bytes.assign((uint8_t*)pg->virt + offset, (uint8_t*)pg->virt + offset + size);
  r.tag = "md_write_metadata";
  pending_meta_writes_++;
  atomic_inc(&m->rdev.nr_pending);
  // md_super_write: a FailFast member's metadata goes out with FAILFAST,
  // unless it is the last device, whose rewrite must not give up early.
  bool failfast = test_bit(FailFast, &m->rdev.flags) && !test_bit(LastDev, &m->rdev.flags);
  if (failfast) r.tag = "md_write_metadata failfast";
  Submit(*m, std::move(r), [this, m, failfast](IoResult res) {
    // super_written: md_error on the member; a FAILFAST write that still
    // left the member working (raid1 never fails its last one) asks
    // md_super_wait's caller for a rewrite, which goes out without
    // FAILFAST (LastDev), so a dead last member cannot make md_update_sb
    // retry forever.
    if (res.error) {
      Reached("metadata write error");
      MdErrorLocked(*m);
      if (!test_bit(Faulty, &m->rdev.flags)) {
        Reached("metadata write error on last member");
        metadata_unrecorded_ = true;
      }
      if (!test_bit(Faulty, &m->rdev.flags) && failfast) {
        set_bit(LastDev, &m->rdev.flags);
        meta_need_rewrite_ = true;
      }
    } else {
      clear_bit(LastDev, &m->rdev.flags);
    }
    atomic_dec(&m->rdev.nr_pending);
    if (--pending_meta_writes_ == 0) world_.Sched().WakeAll(meta_wait_);
  });
}

MdArray::Member* MdArray::MemberByBdev(block_device* bdev, const char* caller) {
  Member* m = bdev && bdev->llsim_disk >= 0 && bdev->llsim_disk < (int)members_.size()
                  ? members_[bdev->llsim_disk].get()
                  : nullptr;
  if (m && &m->bdev == bdev) return m;
  kshim_.Misuse(absl::StrCat(caller, " on a device that is not a member"));
  return nullptr;
}

int MdArray::IssueFlush(block_device* bdev) {
  Member* m = MemberByBdev(bdev, "blkdev_issue_flush");
  if (!m) return -ENODEV;
  IoRequest r{IoOp::kFlush, 0, 0};
  r.tag = "blkdev_issue_flush";
  return SubmitAndWait(*m, std::move(r)).error;
}

int MdArray::IssueZeroout(block_device* bdev, sector_t sector, sector_t sectors) {
  Member* m = MemberByBdev(bdev, "blkdev_issue_zeroout");
  if (!m) return -ENODEV;
  if (sector + sectors > m->layout.capacity || sector + sectors < sector) {
    kshim_.Misuse(absl::StrFormat("blkdev_issue_zeroout of sectors %d+%d past the end of %s (%d)",
                                  sector, sectors, m->name, m->layout.capacity));
    return -EINVAL;
  }
  Reached("write zeroes at creation");
  // The block layer splits it; the pieces are submitted together and
  // waited for together, as submit_bio_wait on a chain does.
  constexpr sector_t kPiece = 1u << 20;
  int err = 0, left = 0;
  WaitList wl("blkdev_issue_zeroout");
  for (sector_t s = sector; s < sector + sectors; s += kPiece) {
    IoRequest r{IoOp::kWrite, s, (uint32_t)std::min<sector_t>(kPiece, sector + sectors - s)};
    r.stamps.assign(r.sectors, kZeroWord);
    r.tag = "blkdev_issue_zeroout";
    left++;
    Submit(*m, std::move(r), [&](IoResult x) {
      if (x.error && !err) err = x.error;
      if (--left == 0) world_.Sched().WakeAll(wl);
    });
  }
  BlockOn(wl, [&] { return left == 0; });
  return err;
}

int MdArray::SuperWait(mddev*) {
  BlockOn(meta_wait_, [&] { return pending_meta_writes_ == 0; });
  if (meta_need_rewrite_) {
    meta_need_rewrite_ = false;
    Reached("superblock rewrite");
    return -EAGAIN;
  }
  return 0;
}

}  // namespace llsim
