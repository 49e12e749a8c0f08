// The simulated member disk; see disk.h.
#include "sim/disk.h"

#include <algorithm>
#include <cstring>
#include <set>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "sim/event_log.h"

namespace llsim {

Disk::Disk(int index, DiskGeometry g, Scheduler& sched, FaultPlan& faults, Rng latency_rng,
           Rng fault_rng)
    : index_(index),
      geo_(g),
      sched_(sched),
      faults_(faults),
      latency_rng_(latency_rng),
      fault_rng_(fault_rng),
      irq_name_(absl::StrCat("irq/disk", index)) {}

std::string Disk::Validate(const IoRequest& r) const {
  if (r.op == IoOp::kFlush) return r.sectors ? "flush with a payload" : "";
  uint64_t bs = BlockSectors();
  if (r.sectors == 0) return "IO of zero sectors";
  if (r.sector % bs || r.sectors % bs)
    return absl::StrFormat("IO at sector %d+%d not aligned to the %d-byte logical block",
                           r.sector, r.sectors, geo_.logical_block_size);
  if (r.sector + r.sectors > geo_.sectors)
    return absl::StrFormat("IO at sector %d+%d beyond the end of the disk (%d sectors)",
                           r.sector, r.sectors, geo_.sectors);
  if (IsMeta(r.sector) != IsMeta(r.sector + r.sectors - 1))
    return absl::StrFormat("IO at sector %d+%d spans the metadata and data areas", r.sector,
                           r.sectors);
  if (r.op == IoOp::kWrite) {
    if (IsMeta(r.sector) && r.bytes.size() != r.sectors * kSectorSize)
      return "metadata write whose payload is not sectors * 512 bytes";
    if (!IsMeta(r.sector) && r.stamps.size() != r.sectors)
      return "data write without one stamp per sector";
  }
  if (r.op == IoOp::kDiscard && IsMeta(r.sector)) return "discard of the metadata area";
  return "";
}

void Disk::Submit(IoRequest req, IoCallback done) {
  uint64_t id = next_io_id_++;
  sched_.Log().Record({sched_.Clock().Now(), EventKind::kDiskSubmit, (uint64_t)index_,
                       req.sector, req.sectors,
                       absl::StrCat(IoOpName(req.op), req.preflush ? "+preflush" : "",
                                    req.fua ? "+fua" : "", " #", id, " ", req.tag)});
  std::string bad = Validate(req);
  int error = 0;
  bool torn = false;
  if (!bad.empty()) {
    sched_.ReportFailure(FailureKind::kShimMisuse, absl::StrCat("disk ", index_, ": ", bad));
    error = -5;
  } else {
    std::string why;
    error = faults_.Decide(index_, req.op, req.sector, req.sectors, fault_rng_, &why, &torn);
    if (error)
      sched_.Log().Record({sched_.Clock().Now(), EventKind::kFault, (uint64_t)index_,
                           req.sector, id, absl::StrCat(IoOpName(req.op), " error: ", why)});
  }
  bool stalled = false;
  Nanos latency = faults_.PickLatency(latency_rng_, &stalled);
  if (!stalled) latency *= latency_multiplier_;
  if (stalled)
    sched_.Log().Record({sched_.Clock().Now(), EventKind::kFault, (uint64_t)index_, req.sector,
                         id, absl::StrFormat("stall %dms", latency / kNsPerMs)});
  // A flush covers what reached the cache before it was issued.
  uint64_t horizon = completions_;
  if (req.op == IoOp::kWrite || req.op == IoOp::kDiscard) {
    if (!error) {
      CachedWrite w{id, req.sector, req.sectors, false, 0, req.preflush, horizon, {}, {}};
      if (req.op == IoOp::kDiscard) {
        w.stamps.assign(req.sectors, kStampDiscarded);
      } else {
        w.bytes = req.bytes;
        w.stamps = req.stamps;
      }
      cache_.emplace(id, std::move(w));
      version_++;
    } else if (torn && !req.bytes.empty()) {
      // A torn write: its first half landed, the rest did not.
      uint32_t k = std::max<uint32_t>(1, req.sectors / 2);
      CachedWrite w{id, req.sector, k, false, 0, req.preflush, horizon, {}, {}};
      w.bytes.assign(req.bytes.begin(), req.bytes.begin() + (size_t)k * 512);
      cache_.emplace(id, std::move(w));
      version_++;
    }
  }
  if (in_order_overlaps_ && (req.op == IoOp::kWrite || req.op == IoOp::kDiscard)) {
    Nanos at = sched_.Clock().Now() + latency;
    for (const Flight& f : flights_)
      if (req.sector < f.sector + f.sectors && f.sector < req.sector + req.sectors)
        at = std::max(at, f.done_at + 1);
    latency = at - sched_.Clock().Now();
    flights_.push_back({id, req.sector, req.sectors, at});
  }
  inflight_++;
  uint64_t gen = generation_;
  sched_.CallAfter(
      latency,
      [this, id, req = std::move(req), horizon, error, gen, done = std::move(done)]() mutable {
        if (gen != generation_) return;
        Complete(id, std::move(req), horizon, error, std::move(done));
      },
      irq_name_);
}

void Disk::Complete(uint64_t io_id, IoRequest req, uint64_t horizon, int error,
                    IoCallback done) {
  inflight_--;
  if (!flights_.empty())
    flights_.erase(std::remove_if(flights_.begin(), flights_.end(),
                                  [&](const Flight& f) { return f.io_id == io_id; }),
                   flights_.end());
  IoResult res;
  res.error = error;
  version_++;
  if (!error) {
    if (req.preflush || req.op == IoOp::kFlush) MakeDurableBefore(horizon);
    if (req.op == IoOp::kRead) {
      if (IsMeta(req.sector)) {
        res.bytes = VisibleBytes(req.sector, req.sectors);
      } else {
        res.stamps = VisibleStamps(req.sector, req.sectors);
      }
    } else if (req.op != IoOp::kFlush) {
      auto it = cache_.find(io_id);
      CachedWrite& w = it->second;
      w.completed = true;
      w.completion_index = ++completions_;
      ApplyVisible(w);
      if (req.fua) {
        ApplyMedia(w, w.completion_index, nullptr);
        cache_.erase(it);
      } else {
        completed_.emplace(w.completion_index, io_id);
      }
    }
  }
  sched_.Log().Record(
      {sched_.Clock().Now(), EventKind::kDiskComplete, (uint64_t)index_, io_id, (uint64_t)-error});
  done(std::move(res));
}

void Disk::ApplyVisible(const CachedWrite& w) {
  if (IsMeta(w.sector)) {
    meta_visible_.Write(w.sector * kSectorSize, w.bytes.data(), w.bytes.size());
  } else {
    w.stamps.Visit(0, w.sectors, [&](uint64_t b, uint64_t e, uint64_t stamp) {
      data_visible_.Assign(w.sector + b, w.sector + e, stamp);
    });
  }
}

void Disk::ApplyMedia(const CachedWrite& w, uint64_t order, const std::vector<bool>* blocks) {
  // The sectors that reach the media: those of kept blocks (all, unless
  // torn) where the media holds nothing newer.
  // Almost always one range each: kept inline, not on the heap (this runs
  // for every write that reaches the media).
  absl::InlinedVector<std::pair<uint64_t, uint64_t>, 4> kept, apply;
  if (!blocks) {
    kept.push_back({w.sector, w.sector + w.sectors});
  } else {
    uint32_t bs = BlockSectors();
    for (uint32_t b = 0; b * bs < w.sectors; b++) {
      if (!(*blocks)[b]) continue;
      uint64_t s = w.sector + (uint64_t)b * bs;
      if (!kept.empty() && kept.back().second == s)
        kept.back().second = s + bs;
      else
        kept.push_back({s, s + bs});
    }
  }
  for (auto [b, e] : kept)
    media_order_.Visit(b, e, [&](uint64_t pb, uint64_t pe, uint64_t o) {
      if (o <= order) apply.push_back({pb, pe});
    });
  version_++;
  media_version_++;
  for (auto [b, e] : apply) {
    media_order_.Assign(b, e, order);
    if (IsMeta(b)) {
      meta_media_.Write(b * kSectorSize, w.bytes.data() + (b - w.sector) * kSectorSize,
                        (e - b) * kSectorSize);
    } else {
      w.stamps.Visit(b - w.sector, e - w.sector, [&](uint64_t rb, uint64_t re, uint64_t stamp) {
        data_media_.Assign(w.sector + rb, w.sector + re, stamp);
      });
    }
    if (media_observer_) media_observer_(index_, w.io_id, b, (uint32_t)(e - b));
  }
}

void Disk::ShowMedia(uint64_t sector, uint32_t sectors) {
  if (IsMeta(sector)) {
    std::vector<uint8_t> b = MediaBytes(sector, sectors);
    meta_visible_.Write(sector * kSectorSize, b.data(), b.size());
  } else {
    data_media_.Visit(sector, sector + sectors, [&](uint64_t b, uint64_t e, uint64_t stamp) {
      data_visible_.Assign(b, e, stamp);
    });
  }
}

void Disk::MakeDurableBefore(uint64_t horizon) {
  // The completed writes a flush covers are a prefix in completion order.
  // (Which order they reach the media in does not matter: per sector, the
  // latest completion wins either way.)
  auto end = completed_.upper_bound(horizon);
  for (auto it = completed_.begin(); it != end; ++it) {
    auto w = cache_.find(it->second);
    ApplyMedia(w->second, w->second.completion_index, nullptr);
    cache_.erase(w);
  }
  completed_.erase(completed_.begin(), end);
}

std::vector<uint8_t> Disk::VisibleBytes(uint64_t sector, uint32_t sectors) const {
  std::vector<uint8_t> out(sectors * kSectorSize);
  meta_visible_.Read(sector * kSectorSize, out.data(), out.size());
  return out;
}

std::vector<uint8_t> Disk::MediaBytes(uint64_t sector, uint32_t sectors) const {
  std::vector<uint8_t> out(sectors * kSectorSize);
  meta_media_.Read(sector * kSectorSize, out.data(), out.size());
  return out;
}

uint64_t Disk::VisibleStamp(uint64_t sector) const { return data_visible_.Get(sector); }

uint64_t Disk::MediaStamp(uint64_t sector) const { return data_media_.Get(sector); }

StampRuns Disk::VisibleStamps(uint64_t sector, uint64_t sectors) const {
  StampRuns out;
  data_visible_.Visit(sector, sector + sectors,
                      [&](uint64_t b, uint64_t e, uint64_t stamp) { out.Append(e - b, stamp); });
  return out;
}

StampRuns Disk::MediaStamps(uint64_t sector, uint64_t sectors) const {
  StampRuns out;
  data_media_.Visit(sector, sector + sectors,
                    [&](uint64_t b, uint64_t e, uint64_t stamp) { out.Append(e - b, stamp); });
  return out;
}

void Disk::FormatBytes(uint64_t sector, const std::vector<uint8_t>& bytes) {
  version_++;
  media_version_++;
  meta_media_.Write(sector * kSectorSize, bytes.data(), bytes.size());
  meta_visible_.Write(sector * kSectorSize, bytes.data(), bytes.size());
  if (media_observer_)
    media_observer_(index_, 0, sector, (uint32_t)((bytes.size() + kSectorSize - 1) / kSectorSize));
}

std::vector<PendingWriteInfo> Disk::PendingWrites() const {
  std::vector<const CachedWrite*> order;
  for (auto& [id, w] : cache_) order.push_back(&w);
  auto rank = [](const CachedWrite* w) { return w->completed ? 1 : w->preflush ? 0 : 2; };
  std::stable_sort(order.begin(), order.end(), [&](const CachedWrite* a, const CachedWrite* b) {
    if (rank(a) != rank(b)) return rank(a) < rank(b);
    return a->completed ? a->completion_index < b->completion_index : a->io_id < b->io_id;
  });
  std::vector<PendingWriteInfo> out;
  for (auto* w : order)
    out.push_back({index_, w->io_id, w->sector, w->sectors / BlockSectors(), w->completed,
                   !w->completed && w->preflush});
  return out;
}

uint64_t Disk::CrashStateHash(bool pending) const {
  if (!pending) {
    if (hash_version_[0] != media_version_) {
      auto mix = [](uint64_t h, uint64_t w) { return StateMix(h, w); };
      uint64_t h = StateMix(Fnv1a("disk"), (uint64_t)index_);
      h = meta_media_.ContentHash(h);
      hash_memo_[0] = data_media_.Fold(h, mix);
      hash_version_[0] = media_version_;
    }
    return hash_memo_[0];
  }
  if (hash_version_[1] == version_) return hash_memo_[1];
  uint64_t h = CrashStateHash(false);
  for (const PendingWriteInfo& p : PendingWrites()) {
    const CachedWrite& w = cache_.at(p.io_id);
    h = StateMix(StateMix(StateMix(h, w.sector), w.sectors), (uint64_t)p.completed << 1 | p.preflush);
    if (w.preflush && !w.completed) {
      // What its flush covers: the cached writes that completed before it
      // was issued, by their place in the order below.
      uint64_t covered = 0;
      for (const auto& [ci, id] : completed_) covered += ci <= w.horizon;
      h = StateMix(h, covered);
    }
    if (!w.bytes_hashed) {
      w.bytes_hash = StateMixWords(0x7061796cull, w.bytes.data(), w.bytes.size());
      w.bytes_hashed = true;
    }
    h = StateMix(h, w.bytes_hash);
    for (const auto& r : w.stamps.Runs()) h = StateMix(StateMix(h, r.end), r.stamp);
  }
  hash_version_[1] = version_;
  return hash_memo_[1] = h;
}

void Disk::MarkRedundant(std::vector<PendingWriteInfo>& pending) const {
  // A write equal to the media is redundant only if every write that
  // overlaps it is too: then any subset of them leaves the media as it is.
  std::vector<bool> equal(pending.size());
  std::set<uint64_t> asked_flush;
  for (size_t i = 0; i < pending.size(); i++) {
    const CachedWrite& w = cache_.at(pending[i].io_id);
    equal[i] = IsMeta(w.sector) ? w.bytes == MediaBytes(w.sector, w.sectors)
                                : w.stamps == MediaStamps(w.sector, w.sectors);
  }
  for (size_t i = 0; i < pending.size(); i++) {
    if (!equal[i]) continue;
    const CachedWrite& w = cache_.at(pending[i].io_id);
    bool group = true;
    for (size_t j = 0; j < pending.size() && group; j++) {
      const CachedWrite& o = cache_.at(pending[j].io_id);
      if (o.sector < w.sector + w.sectors && w.sector < o.sector + o.sectors) group = equal[j];
    }
    if (!group) continue;
    if (pending[i].preflush) {
      // Its only effect is its flush: the cached writes completed by its
      // issue (a prefix of the completion order). One write per prefix is
      // asked; dropping the others changes nothing it could not.
      uint64_t covered = 0;
      for (const auto& [ci, id] : completed_) covered += ci <= w.horizon;
      if (covered && asked_flush.insert(covered).second) continue;
    }
    pending[i].redundant = true;
  }
}

void Disk::DecideAndApply(CrashPolicy& policy, bool log) {
  uint64_t order = completions_;
  // A PREFLUSH write in flight whose payload reached the media had its
  // flush done first: every write that completed before it was issued is
  // durable. The block layer guarantees that much even at a power loss.
  uint64_t flushed_upto = 0;
  std::vector<PendingWriteInfo> pending = PendingWrites();
  MarkRedundant(pending);
  for (const PendingWriteInfo& p : pending) {
    const CachedWrite& w = cache_.at(p.io_id);
    CrashDecision d;
    std::string why;
    if (w.completed && w.completion_index <= flushed_upto) {
      d = CrashDecision::Keep();
      why = " (flushed before a PREFLUSH write that reached the media)";
    } else {
      d = policy.Decide(p);
    }
    if (p.preflush && d.verdict != CrashDecision::kDrop)
      flushed_upto = std::max(flushed_upto, w.horizon);
    if (log)
      sched_.Log().Record({sched_.Clock().Now(), EventKind::kCrashDecision, (uint64_t)index_,
                           p.io_id, p.sector, d.ToString() + why});
    uint64_t o = w.completed ? w.completion_index : ++order;
    if (d.verdict == CrashDecision::kKeep) ApplyMedia(w, o, nullptr);
    if (d.verdict == CrashDecision::kTear) {
      d.kept_blocks.resize(p.blocks, false);
      ApplyMedia(w, o, &d.kept_blocks);
    }
  }
  completions_ = order;
}

uint64_t Disk::MediaHashIfCrash(CrashPolicy& policy) {
  // Nothing pending: the crash asks nothing and leaves the media as it is
  // (most disks at most points), so there is nothing to copy and restore.
  if (cache_.empty()) return CrashStateHash(false);
  ExtentMap<uint64_t> order = media_order_, data = data_media_;
  BytePages meta = meta_media_;
  uint64_t completions = completions_, version = version_, media_version = media_version_;
  uint64_t memo_version[2] = {hash_version_[0], hash_version_[1]};
  uint64_t memo[2] = {hash_memo_[0], hash_memo_[1]};
  // Nobody is told of media that is only imagined.
  MediaObserver observer = std::move(media_observer_);
  media_observer_ = nullptr;
  DecideAndApply(policy, false);
  uint64_t h = CrashStateHash(false);
  media_observer_ = std::move(observer);
  media_order_ = std::move(order);
  data_media_ = std::move(data);
  meta_media_ = std::move(meta);
  completions_ = completions;
  version_ = version;
  media_version_ = media_version;
  for (int i = 0; i < 2; i++) {
    hash_version_[i] = memo_version[i];
    hash_memo_[i] = memo[i];
  }
  return h;
}

void Disk::Crash(CrashPolicy& policy) {
  DecideAndApply(policy, true);
  // Reads showed the media except where a write not yet durable had
  // completed; now they show the media everywhere. Only those writes'
  // ranges (and those of writes in flight, which the crash may have put
  // on the media) can differ, so only they are copied.
  for (const auto& [id, w] : cache_) ShowMedia(w.sector, w.sectors);
  cache_.clear();
  completed_.clear();
  version_++;
  inflight_ = 0;
  flights_.clear();
  generation_++;
}

}  // namespace llsim
