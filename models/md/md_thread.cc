// The md thread (raid1d + md_check_recovery), superblock updates, member
// errors and the clean/dirty (safemode) state. See md_array.h.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "models/md/barrier_bucket.h"
#include "models/md/md_array.h"
#include "models/md/md_internal.h"

namespace llsim {

void MdArray::MdThreadMain() {
  while (!thread_stop_) {
    BlockOn(thread_wait_, [&] { return thread_wakeup_ || thread_stop_; }, /*idle=*/true);
    thread_wakeup_ = false;
    if (thread_stop_) break;
    FlushPendingWrites();
    Raid5BitmapBatch();
    // raid1d (handle_write_finished): a write that failed on some mirror
    // records bad blocks there (narrow_write_error) or, when it cannot,
    // fails that member; it ends only once a superblock records either
    // (bio_end_io_list), so no acknowledged write can lean on a member md
    // still counts as holding it.
    while (!retry_list_.empty()) {
      R1Bio* r1 = retry_list_.front();
      retry_list_.pop_front();
      for (Member* m : r1->failed)
        if (!NarrowWriteError(r1, *m)) MdErrorLocked(*m);
      end_io_list_.push_back(r1);
    }
    CheckRecovery();
    if (!test_bit(MD_SB_CHANGE_PENDING, &mddev_.sb_flags)) {
      while (!end_io_list_.empty()) {
        R1Bio* r1 = end_io_list_.front();
        end_io_list_.pop_front();
        nr_queued_--;
        bucket_queued_[BucketOf(r1->sector)]--;
        FinishR1Bio(r1);
      }
    }
  }
  md_thread_fiber_ = 0;
  world_.Sched().WakeAll(sync_exit_);
}

void MdArray::MddevLock() {
  BlockOn(reconfig_wait_, [&] { return !reconfig_held_; });
  reconfig_held_ = true;
}

bool MdArray::MddevTrylock() {
  if (reconfig_held_) return false;
  reconfig_held_ = true;
  return true;
}

void MdArray::MddevUnlock() {
  reconfig_held_ = false;
  world_.Sched().WakeAll(reconfig_wait_);
  // What the md thread skipped while the lock was held, it does now.
  if (running_) WakeupThread(mddev_.thread);
}

void MdArray::CheckRecovery() {
  if (!running_) return;
  // md_check_recovery begins with the bitmap's periodic work, before any
  // lock, when the bitmap has one (the classic bitmap; llbitmap leaves the
  // hook NULL and runs its own timer, so md skips it).
  if (BitmapEnabled() && ops_->daemon_work)
    (BitmapCall(this, BitmapOp::kDaemonWork), ops_->daemon_work(&mddev_));
  // md_check_recovery: never wait for the reconfig mutex, skip instead.
  if (!MddevTrylock()) return;
  struct Unlock {
    MdArray* a;
    ~Unlock() {
      a->reconfig_held_ = false;
      a->world_.Sched().WakeAll(a->reconfig_wait_);
    }
  } unlock{this};
  // Safemode: idle writes let the array be marked clean.
  if (!mddev_.in_sync && writes_pending_ == 0 && safemode_timer_ == 0 && !safemode_armed_) {
    mddev_.in_sync = 1;
    set_bit(MD_SB_CHANGE_CLEAN, &mddev_.sb_flags);
  }
  if (mddev_.sb_flags & ((1ul << MD_SB_CHANGE_DEVS) | (1ul << MD_SB_CHANGE_CLEAN) |
                         (1ul << MD_SB_CHANGE_PENDING)))
    UpdateSb(false);
  if (sync_thread_done_) ReapSyncThread();
  if (sync_thread_running_) return;
  if (test_bit(MD_RECOVERY_FROZEN, &mddev_.recovery)) return;
  if (start_sync_queued_) return;
  if (!test_and_clear_bit(MD_RECOVERY_NEEDED, &mddev_.recovery)) return;
  if (Broken()) return;
  // md_start_sync is queued work, not the md thread: it may sleep while
  // the md thread goes on serving superblock updates.
  start_sync_queued_ = true;
  world_.Sched().Spawn("md_start_sync", [this] { StartSyncWork(); });
}

void MdArray::StartSyncWork() {
  bool changes = false;
  for (auto& m : members_)
    if (m->in_array && ((m->rdev.raid_disk < 0 && !test_bit(Faulty, &m->rdev.flags)) ||
                        (m->rdev.raid_disk >= 0 && test_bit(Faulty, &m->rdev.flags))))
      changes = true;
  // mddev_suspend_and_lock when the spares will change: new writes are
  // held back and those in flight drain before a slot is filled; the lock
  // comes after, so the md thread can finish what the writes wait for.
  // Not while a reshape is pending: spares do not change until it is done,
  // and a write waiting for the reshape window to move would never drain
  // (soak, seed 77: a member failed during a raid5 reshape).
  if (Reshaping()) changes = false;
  if (changes) {
    suspended_++;
    BlockOn(barrier_wait_, [&] { return writes_in_flight_ == 0 || !running_; });
  }
  LockGuard lock(this);
  ChooseAndStartSync();
  if (changes && --suspended_ == 0) world_.Sched().WakeAll(suspend_wait_);
  start_sync_queued_ = false;
  world_.Sched().WakeAll(sync_exit_);
}

void MdArray::ChooseAndStartSync() {
  if (!running_ || sync_thread_running_ || test_bit(MD_RECOVERY_FROZEN, &mddev_.recovery)) return;
  clear_bit(MD_RECOVERY_INTR, &mddev_.recovery);
  // md_choose_sync_action: a pending reshape wins.
  if (Reshaping()) {
    Reached(geo_ ? "raid10 reshape resumed" : "raid5 reshape resumed");
    StartReshape();
    return;
  }

  // md_choose_sync_action
  bool sync = mddev_.resync_offset < kMaxSector;
  int spares_added = 0;
  if (!sync) {
    // remove_and_add_spares: faulty members leave their slot; members
    // without a slot take one (a re-added member its old one).
    for (auto& m : members_) {
      if (!m->in_array) continue;
      if (test_bit(Faulty, &m->rdev.flags) && m->rdev.raid_disk >= 0 &&
          atomic_read(&m->rdev.nr_pending) == 0) {
        NoteMd(absl::StrFormat("raid1: %s leaves slot %d", m->name, m->rdev.raid_disk));
        // raid1_remove_disk: a replacement in the slot becomes its member.
        if (!RdevFlag(m->rdev, Replacement))
          for (auto& o : members_)
            if (o.get() != m.get() && o->in_array && o->rdev.raid_disk == m->rdev.raid_disk &&
                RdevFlag(o->rdev, Replacement)) {
              clear_bit(Replacement, &o->rdev.flags);
              NoteMd(absl::StrFormat("raid1: %s is now the member of slot %d", o->name,
                                     o->rdev.raid_disk));
              // Deliberately not md, as for a replacement (FINDINGS.md M3):
              // promoted before its recovery finished, it still lacks what
              // the bitmap never named, and md would recover it from the
              // bitmap once a sync has cleared conf->fullsync.
              if (!RdevFlag(o->rdev, In_sync) && o->rdev.saved_raid_disk < 0 && !fullsync_) {
                fullsync_ = true;
                NoteMd(absl::StrFormat("raid1: %s's recovery as a promoted replacement is a "
                                       "full one (md would recover it from the bitmap: "
                                       "FINDINGS.md M3)", o->name));
              }
            }
        m->rdev.raid_disk = -1;
      }
    }
    for (auto& m : members_) {
      if (!m->in_array || m->rdev.raid_disk >= 0 || test_bit(Faulty, &m->rdev.flags)) continue;
      std::vector<bool> used(cfg_.mirrors, false);
      for (auto& o : members_)
        if (o->in_array && o->rdev.raid_disk >= 0) used[o->rdev.raid_disk] = true;
      int slot = -1;
      if (m->rdev.saved_raid_disk >= 0 && m->rdev.saved_raid_disk < cfg_.mirrors &&
          !used[m->rdev.saved_raid_disk])
        slot = m->rdev.saved_raid_disk;
      for (int s = 0; slot < 0 && s < cfg_.mirrors; s++)
        if (!used[s]) slot = s;
      if (slot < 0) {
        // raid1_add_disk: no free slot, but a member that wants replacing
        // and has no replacement yet: the spare becomes its replacement,
        // recovered in full while the array stays whole.
        for (auto& o : members_) {
          if (!o->in_array || o->rdev.raid_disk < 0 || !RdevFlag(o->rdev, WantReplacement) ||
              RdevFlag(o->rdev, Faulty))
            continue;
          bool has_repl = false;
          for (auto& r : members_)
            if (r->in_array && r->rdev.raid_disk == o->rdev.raid_disk &&
                RdevFlag(r->rdev, Replacement))
              has_repl = true;
          if (has_repl) continue;
          m->rdev.raid_disk = o->rdev.raid_disk;
          m->rdev.saved_raid_disk = -1;
          m->rdev.recovery_offset = 0;
          clear_bit(In_sync, &m->rdev.flags);
          set_bit(Replacement, &m->rdev.flags);
          fullsync_ = true;
          spares_added++;
          Reached("replacement");
          NoteMd(absl::StrFormat("raid1: %s replaces %s in slot %d (full sync)", m->name,
                                 o->name, o->rdev.raid_disk));
          break;
        }
        continue;
      }
      if (m->rdev.saved_raid_disk >= 0 && StaleForBitmapRecovery(*m)) {
        // Deliberately not md: raid1_add_disk trusts a saved slot however
        // long the member waited as a spare, while the bitmap may have
        // cleaned chunks it never got (super_1_validate compares its events
        // with events_cleared only when it is added). md would recover it
        // from the bitmap and leave it stale; the model gives it a full
        // recovery, so no core is blamed for md's choice (FINDINGS.md).
        NoteMd(absl::StrFormat("raid1: %s waited as a spare past events_cleared: full sync "
                               "(md itself would trust its saved slot)", m->name));
        m->rdev.saved_raid_disk = -1;
      }
      m->rdev.raid_disk = slot;
      m->rdev.recovery_offset = 0;
      clear_bit(In_sync, &m->rdev.flags);
      // raid1_add_disk: a brand-new disk (or another slot) needs everything.
      if (m->rdev.saved_raid_disk != slot) fullsync_ = true;
      spares_added++;
      NoteMd(absl::StrFormat("raid1: %s takes slot %d%s", m->name, slot,
                             fullsync_ ? " (full sync)" : " (bitmap recovery)"));
    }
  }
  bool recover = false;
  if (!sync) {
    for (auto& m : members_)
      if (m->in_array && m->rdev.raid_disk >= 0 && !test_bit(Faulty, &m->rdev.flags) &&
          !test_bit(In_sync, &m->rdev.flags))
        recover = true;
  }
  // raid456: the bitmap asked for a lazy pass over NeedSync chunks; with
  // nobody to recover it runs as a recovery (md_choose_sync_action), and a
  // pending resync takes it over.
  bool lazy = false;
  if (r5_ && test_bit(MD_RECOVERY_LAZY_RECOVER, &mddev_.recovery)) {
    if (sync) {
      clear_bit(MD_RECOVERY_LAZY_RECOVER, &mddev_.recovery);
    } else if (!recover) {
      recover = lazy = true;
    }
  }
  if (recover && !lazy) {
    Reached("recovery");
    // Deliberately not md: raid1's setup_conf sets conf->fullsync only for
    // a slot's own member, and a completed sync clears it, so a replacement
    // resumed after a restart (or after a resync ran first) is recovered
    // from the bitmap, which names only what changed, not what a new disk
    // lacks (FINDINGS.md M3). The model keeps a replacement's recovery
    // full, so no core is blamed for md's choice.
    for (auto& m : members_)
      if (!fullsync_ && m->in_array && m->rdev.raid_disk >= 0 && RdevFlag(m->rdev, Replacement) &&
          !RdevFlag(m->rdev, In_sync) && !RdevFlag(m->rdev, Faulty)) {
        fullsync_ = true;
        NoteMd(absl::StrFormat("raid1: %s's recovery as a replacement is a full one (md would "
                               "recover it from the bitmap: FINDINGS.md M3)", m->name));
      }
    clear_bit(MD_RECOVERY_SYNC, &mddev_.recovery);
    clear_bit(MD_RECOVERY_CHECK, &mddev_.recovery);
    clear_bit(MD_RECOVERY_REQUESTED, &mddev_.recovery);
    set_bit(MD_RECOVERY_RECOVER, &mddev_.recovery);
  } else if (lazy) {
    // mddev_select_lazy_recover_rdev skips empty slots: on an array that a
    // failure already left with no parity to spare, the member it demotes
    // is one too many (FINDINGS.md M5). The model does what md does.
    if (mddev_.degraded >= r5_->Parities()) {
      lazy_broke_ = true;
      Reached("lazy recovery on a degraded array");
      NoteMd("md: a lazy pass on an array missing as many members as it has parity demotes one "
             "more (FINDINGS.md M5)");
    }
    clear_bit(MD_RECOVERY_SYNC, &mddev_.recovery);
    set_bit(MD_RECOVERY_RECOVER, &mddev_.recovery);
  } else if (sync || test_bit(MD_RECOVERY_SYNC, &mddev_.recovery)) {
    // md_choose_sync_action: a pending resync wins over a requested check
    // or repair, which then runs as that resync (the flags stay).
    // raid1 and llbitmap go by the flags, so a check then compares only.
    if (test_bit(MD_RECOVERY_REQUESTED, &mddev_.recovery))
      Reached(test_bit(MD_RECOVERY_CHECK, &mddev_.recovery) ? "check" : "repair");
    else
      Reached("resync");
    mismatches_ = 0;
    clear_bit(MD_RECOVERY_RECOVER, &mddev_.recovery);
    set_bit(MD_RECOVERY_SYNC, &mddev_.recovery);
  } else {
    clear_bit(MD_RECOVERY_RECOVER, &mddev_.recovery);
    return;
  }
  if (spares_added && BitmapEnabled()) (BitmapCall(this, BitmapOp::kWriteAll), ops_->write_all(&mddev_));
  if (spares_added) set_bit(MD_SB_CHANGE_DEVS, &mddev_.sb_flags);
  StartSync();
}

bool MdArray::StaleForBitmapRecovery(const Member& m) {
  md_bitmap_stats stats{};
  if (!BitmapEnabled() || !ops_->get_stats || (BitmapCall(this, BitmapOp::kGetStats), ops_->get_stats(mddev_.bitmap, &stats)) != 0)
    return false;
  return m.events_at_add < stats.events_cleared;
}

void MdArray::UpdateSb(bool force) {
  // md_update_sb: the bitmap superblock goes first, then every member's.
  // The change flags are taken before the write; a member that fails or a
  // clean/dirty change made while it is in flight asks for another round
  // (md's "goto repeat"), or that change would never reach the disks.
  constexpr unsigned long kChanges = (1ul << MD_SB_CHANGE_DEVS) | (1ul << MD_SB_CHANGE_CLEAN);
  for (;;) {
    // A round that only records a clean<->dirty toggle ("nospares") may
    // leave spares alone and, going back to clean, roll the events back to
    // the clean state's count; a device change, a forced update or a
    // degraded array always goes forward (a member that left must never
    // look current again). Without cfg_.events_rollback (traces recorded
    // before it was modelled) events only ever go up, as they did then.
    // md_update_sb: a running recovery's members are recorded (and, for
    // raid5, read) as in sync up to the last checkpoint. (Parity levels
    // only: raid1 and raid10 traces recorded before keep their histories.)
    if (r5_ && test_bit(MD_RECOVERY_RUNNING, &mddev_.recovery) &&
        test_bit(MD_RECOVERY_RECOVER, &mddev_.recovery))
      for (auto& m : members_)
        if (m->in_array && m->rdev.raid_disk >= 0 && !RdevFlag(m->rdev, In_sync) &&
            mddev_.curr_resync_completed > m->rdev.recovery_offset)
          m->rdev.recovery_offset = mddev_.curr_resync_completed;
    if (test_bit(MD_SB_CHANGE_DEVS, &mddev_.sb_flags)) force = true;
    bool nospares = test_bit(MD_SB_CHANGE_CLEAN, &mddev_.sb_flags) && !force &&
                    !mddev_.degraded && cfg_.events_rollback;
    mddev_.sb_flags &= ~kChanges;
    // Members failed before this write are recorded by it (FaultRecorded).
    std::vector<Member*> recorded;
    for (auto& m : members_)
      if (m->in_array && test_bit(Faulty, &m->rdev.flags)) recorded.push_back(m.get());
    if (nospares && mddev_.in_sync && mddev_.resync_offset == kMaxSector &&
        mddev_.can_decrease_events && mddev_.events != 1) {
      mddev_.events--;
      mddev_.can_decrease_events = 0;
      Reached("events decremented");
    } else {
      mddev_.events++;
      mddev_.can_decrease_events = nospares;
    }
    // sync_sbs builds every member's superblock here, under mddev->lock
    // with the events just chosen: a write that marks the array active
    // while this round's IO is in flight is the next round's to record.
    const bool round_clean = mddev_.in_sync;
    const uint64_t round_resync_offset = mddev_.resync_offset;
    if (BitmapEnabled()) (BitmapCall(this, BitmapOp::kUpdateSb), ops_->update_sb(mddev_.bitmap));
    // sync_sbs: a superblock that already says these events is left as it
    // is, and so, on a toggle, is a spare's one toggle behind. (md decides
    // this before the bitmap's update; nothing it reads can change in
    // between, under the reconfig mutex.)
    std::vector<Member*> to_write;
    for (auto& m : members_) {
      if (!m->in_array || test_bit(Faulty, &m->rdev.flags)) continue;
      if (cfg_.events_rollback &&
          (m->sb_events == mddev_.events ||
           (nospares && m->rdev.raid_disk < 0 && m->sb_events + 1 == mddev_.events)))
        continue;
      to_write.push_back(m.get());
    }
    for (;;) {
      for (Member* m : to_write)
        if (!test_bit(Faulty, &m->rdev.flags)) {
          WriteMemberSb(*m, round_clean, round_resync_offset);
          m->sb_events = mddev_.events;
        }
      if (SuperWait(&mddev_) != -EAGAIN) break;
    }
    NoteMd(absl::StrFormat("superblocks written: events %d, %s", mddev_.events,
                           round_clean ? "clean" : "active"));
    // Writes held back by a failed member may go on: its failure is on disk.
    for (Member* m : recorded) clear_bit(Blocked, &m->rdev.flags);
    if (!(mddev_.sb_flags & kChanges) || !running_) break;
  }
  clear_bit(MD_SB_CHANGE_PENDING, &mddev_.sb_flags);
  world_.Sched().WakeAll(sb_wait_);
}

void MdArray::WriteMemberSb(Member& m, bool clean, uint64_t resync_offset) {
  MdSuperblock sb;
  std::copy(mddev_.uuid, mddev_.uuid + 16, sb.uuid.begin());
  sb.events = mddev_.events;
  sb.dev_sectors = mddev_.dev_sectors;
  sb.clean = clean;
  // Only a clean array records how far resync got.
  sb.resync_offset = clean ? resync_offset : 0;
  sb.raid_disks = cfg_.mirrors;
  sb.desc_nr = m.disk;
  sb.role = m.rdev.raid_disk >= 0 ? m.rdev.raid_disk : kRoleSpare;
  sb.recovery_offset = test_bit(In_sync, &m.rdev.flags) ? kMaxSector : m.rdev.recovery_offset;
  sb.recovery_bitmap = !test_bit(In_sync, &m.rdev.flags) && m.rdev.raid_disk >= 0 &&
                       m.rdev.saved_raid_disk == m.rdev.raid_disk && !fullsync_;
  sb.replacement = RdevFlag(m.rdev, Replacement);
  if (r5_ || geo_) {
    // Zero keeps a superblock of an array never reshaped as it always was.
    uint32_t chunk = r5_ ? r5_->chunk_sectors : geo_->chunk_sectors;
    sb.data_offset = r5_off_ != layout_.data_offset ? r5_off_ : 0;
    sb.chunk_sectors = chunk != created_chunk_sectors_ || Reshaping() ? chunk : 0;
    if (Reshaping()) {
      sb.prev_chunk_sectors = r5_prev_ ? r5_prev_->chunk_sectors : r10_prev_->chunk_sectors;
      sb.reshape = true;
      sb.delta_disks = (int8_t)mddev_.delta_disks;
      sb.reshape_position = mddev_.reshape_position;
      sb.prev_data_offset = r5_prev_off_;
    }
  }
  for (const auto& [s, e] : m.bad) sb.bad_blocks.emplace_back(s, e - s);
  sb.roles.fill(kRoleSpare);
  for (auto& o : members_) {
    if (!o->in_array && !o->blank) sb.roles[o->disk] = kRoleFaulty;
    if (!o->in_array) continue;
    if (test_bit(Faulty, &o->rdev.flags))
      sb.roles[o->disk] = kRoleFaulty;
    else if (o->rdev.raid_disk >= 0)
      sb.roles[o->disk] = o->rdev.raid_disk;
  }
  std::vector<uint8_t> bytes = sb.Encode();
  page pg{bytes.data(), 0};
  // Through the same path as bitmap metadata: PREFLUSH|FUA, counted.
  if (test_bit(Faulty, &m.rdev.flags)) return;
  SubmitMetadataWrite(m, m.rdev.sb_start, kMdSbBytes, &pg, 0);
}

void MdArray::MdErrorLocked(Member& m) {
  md_rdev& r = m.rdev;
  // raid1_error decides under conf->device_lock: two CPUs failing members
  // at once (two completions, say) must not both count the same survivors.
  spin_lock(&device_lock_);
  if (test_bit(Faulty, &r.flags)) {
    spin_unlock(&device_lock_);
    return;
  }
  Reached("member failed");
  if (test_bit(In_sync, &r.flags)) {
    // raid10_error: never fail the member whose loss leaves a chunk with
    // no copy (raid1: the last working mirror).
    bool last = geo_  ? !Raid10Enough(r.raid_disk)
                // raid5_error recounts (raid5_calc_degraded): a member a lazy
                // pass took out of sync counts as missing (FINDINGS.md M4).
                : r5_ ? Raid5Missing() + 1 > r5_->Parities()
                      : InSyncDisks().size() <= 1;
    if (last) {
      // raid1_error: the last working mirror is never failed.
      set_bit(MD_BROKEN, &mddev_.flags);
      spin_unlock(&device_lock_);
      NoteMd(absl::StrFormat("raid1: %s failed but is the last working mirror: array broken",
                             m.name));
      return;
    }
    clear_bit(In_sync, &r.flags);
    mddev_.degraded++;
    if (r5_ && crash_resync_owed_ && mddev_.resync_offset != kMaxSector && !write_hole_) {
      // Rows a crash cut short keep stale parity until the resync reaches
      // them, and now it never will: the write hole, as md has it without
      // a journal or PPL (not the bitmap's doing).
      write_hole_ = true;
      Reached("member failed before a crash's resync");
      NoteMd(absl::StrFormat("raid%d: %s failed before the resync after a crash finished: "
                             "rows it had not reached may hold stale parity (the write hole)",
                             r5_->level, m.name));
    }
  }
  // raid1_error: Blocked until md_update_sb has recorded the failure, so
  // no new write reaches only the survivors while the superblocks on disk
  // still count this member in sync (a crash then would bring it back).
  set_bit(Blocked, &r.flags);
  set_bit(Faulty, &r.flags);
  spin_unlock(&device_lock_);
  set_bit(MD_RECOVERY_INTR, &mddev_.recovery);
  set_bit(MD_SB_CHANGE_DEVS, &mddev_.sb_flags);
  set_bit(MD_SB_CHANGE_PENDING, &mddev_.sb_flags);
  set_bit(MD_RECOVERY_NEEDED, &mddev_.recovery);
  NoteMd(absl::StrFormat("raid1: disk failure on %s, %d of %d mirrors working", m.name,
                         (int)InSyncDisks().size(), cfg_.mirrors));
  world_.Sched().WakeAll(recovery_wait_);
  wake_up(&mddev_.recovery_wait);
  WakeupThread(mddev_.thread);
}

void MdArray::MdWriteStart() {
  writes_pending_++;
  safemode_armed_ = false;
  if (safemode_timer_) {
    world_.Sched().Cancel(safemode_timer_);
    safemode_timer_ = 0;
  }
  if (mddev_.in_sync) {
    mddev_.in_sync = 0;
    set_bit(MD_SB_CHANGE_CLEAN, &mddev_.sb_flags);
    set_bit(MD_SB_CHANGE_PENDING, &mddev_.sb_flags);
    WakeupThread(mddev_.thread);
  }
  BlockOn(sb_wait_, [&] {
    return !test_bit(MD_SB_CHANGE_PENDING, &mddev_.sb_flags) || !running_;
  });
}

void MdArray::MdWriteEnd() {
  if (--writes_pending_ == 0 && running_) {
    // md's safemode_delay: 200 ms of no writes before the array is clean.
    safemode_armed_ = true;
    safemode_timer_ =
        world_.Sched().CallAfter(200 * kNsPerMs, [this] { SafemodeTimer(); }, "md safemode timer");
  }
}

void MdArray::SafemodeTimer() {
  safemode_timer_ = 0;
  safemode_armed_ = false;
  WakeupThread(mddev_.thread);
}

void MdArray::Quiesce(bool on) {
  if (on)
    FreezeArray();
  else
    UnfreezeArray();
}

}  // namespace llsim
