// Step invariants, checked while a scenario runs so a failure shows where
// it starts, not only at the end:
//   write-intent: when a user data write reaches a member, the chunk's
//     state on the media of every member the bitmap is written to says it
//     needs a sync after a crash (Dirty, NeedSync or Syncing);
//   no-clean-in-flight: no chunk with a user write between start_write and
//     end_write is Clean or Unwritten in the core's memory, and no chunk
//     whose bitmap-driven sync IO is in flight has left Syncing for Dirty
//     or Clean (its sync is not done until that IO is);
//   transitions: every change of a chunk's in-memory state is one the
//     documented table allows to the operation that made it: the bitmap
//     operation md called in the fiber that made the change (start_write
//     may only apply Startwrite, the daemon's work item only Dirty ->
//     Clean, ...), judged with the array's degraded state as it was while
//     that operation ran; and an abort (end_sync) leaves no chunk from its
//     sector on Syncing;
//   bitmap-bounds: every bitmap write stays inside the sectors md reserved
//     for the region on that member (its own layout: a bigger 1.0 spare's
//     region sits elsewhere); outside lie the data area, unused room or the
//     md superblock (after a 1.0 region, before a 1.1/1.2 one), which the
//     message names.
// The core's memory is watched through the pages it writes (md passes the
// page to md_write_metadata), so this works for any core, ours or upstream.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "models/md/md_array.h"
#include "models/oracle/chunk_model.h"
#include "properties/coverage_matrix.h"
#include "properties/verdict.h"

namespace llsim {

class StepInvariants {
 public:
  StepInvariants(World& world, std::function<void(Verdict)> report,
                 std::set<std::string> skip = {});

  // Wires the observers into a freshly built array (each boot).
  void Attach(MdArray* array);
  void Detach();

  // Called at every preemption point and as a fiber gives up its CPU.
  // Where the core's stores are tracked (core/kshim/src/store_track.h),
  // only the pages it stored to since the last look are compared.
  void OnStep();
  // RunOptions::check_store_hooks: compare every page anyway, and report
  // one that changed unseen.
  void SetCheckStoreHooks(bool on) { check_store_hooks_ = on; }
  // The core freed a page: if it was one watched, stop reading it (a core
  // may read a page into memory it frees again, as v6.18 reads its
  // superblock).
  void OnPageFreed(const void* mem);
  // md entered / left a bitmap operation in the current fiber.
  void OnBitmapCall(BitmapOp op, bool begin);
  // A work item or timer callback of the core's began / returned in the
  // current fiber.
  void OnCoreContext(BitmapOp op, bool begin) { OnBitmapCall(op, begin); }
  // Chunks Dirty in memory right now (for the daemon liveness check).
  std::vector<uint64_t> DirtyChunks() const;
  // Chunks NeedSync or Syncing (or their Unwritten variants) in memory
  // right now: on a whole, idle array whose sync has finished, none may
  // be left (liveness: a sync must finish and stay finished).
  std::vector<uint64_t> UnsyncedChunks() const;
  // The same chunks as array sector ranges [first, end); none while the
  // chunk size is not known for sure.
  std::vector<std::pair<uint64_t, uint64_t>> UnsyncedSectorRanges() const;
  // Bitmap-space ranges of the chunks whose state promises parity that
  // matches the data (raid4/5/6: Clean, Dirty, CleanUnwritten); none while
  // the chunk size is not known for sure.
  std::vector<std::pair<uint64_t, uint64_t>> ParityPromisedRanges() const;
  // A chunk's state byte in the core's memory; -1 if its page is not seen.
  int StateOf(uint64_t chunk) const { return StateInMemory(chunk); }
  const TransitionCoverage& Coverage() const { return coverage_; }
  uint64_t TransitionsSeen() const { return transitions_; }
  const CoverageMatrix& Matrix() const { return matrix_; }
  // Told of every chunk state the core's memory is seen to hold: each
  // chunk of a page as it is first watched, each change, and -1 (not
  // known) for the chunks of a page no longer watched. Only looks: for the
  // timeline `llsim show --html` draws (properties/timeline.h).
  void SetMemoryListener(std::function<void(uint64_t chunk, int state)> fn) {
    memory_listener_ = std::move(fn);
  }
  // Chunks of the array, and sectors per chunk, as far as known now.
  uint64_t ChunkCount() const { return Chunks(); }
  uint64_t ChunkSectors() const { return 1ull << ChunkShift(); }
  // Checks again after a reported failure (campaign mode: the case goes
  // on, and the runner records each distinct failure once).
  void Rearm() { failed_ = false; }

 private:
  void OnDataWrite(int disk, uint64_t sector, uint32_t sectors, const std::vector<int>& members);
  void OnBitmapWrite(int disk, uint64_t sector, uint32_t sectors);
  // proactive_sync: the action applies to every chunk (md-llbitmap.c
  // walks 0..chunks-1), so a store that returns leaves no chunk Unwritten
  // that was Unwritten when it began and that no other fiber changed.
  void OnSysfsStore(const std::string& name, bool begin, ssize_t rc);
  // reshape_mark(lo, hi): every new chunk holding data of array range
  // [lo, hi) ends at least as demanding (Unwritten < Clean < Dirty <
  // NeedSync, the Unwritten family counting as Unwritten) as each old chunk
  // of the proportional old range (md-contract-raid10-raid456 §3.7 (a)),
  // and as its own state where it also holds rows below the range; chunks
  // another fiber changed meanwhile are not judged.
  void OnReshapeMark(uint64_t lo, uint64_t hi, bool begin);
  // The resize a raid10 reshape starts with: the bitmap covers array
  // sectors, so a chunk keeps its meaning unless the chunk size grows, and
  // then each new chunk must end at least as demanding as every old chunk
  // it absorbs (the same order as reshape_mark's); the chunk bytes in
  // between are not judged one by one, as their indices change meaning.
  void OnReshapeResize(bool begin);
  // raid10 during a reshape whose grown array does not fit the bitmap at
  // the chunk size the core still publishes: upstream stages a larger
  // chunk (reshape_chunksize) for the moved part, so which chunk a sector
  // is in depends on its side of the reshape and is not known here. The
  // write-intent check on data writes and the reshape_mark rule stand down
  // until the reshape finishes (the reference core re-chunks at the resize,
  // so for it this never holds).
  bool RechunkPending() const;
  void OnSyncAbortBegin();
  void OnSyncAborted(uint64_t sector);
  // *guessed: the core has not published its chunk size anywhere yet (an
  // upstream first use sets it only at its first superblock update), so
  // the size is the design's rule, which another core need not follow.
  uint64_t ChunkShift(bool* guessed = nullptr) const;
  bool ChunkSizeKnown() const;
  // 0 until the core has put its chunk size in its superblock or md.
  uint32_t PublishedChunkSize() const;
  struct ChunkSpan {
    uint64_t first, last;
    bool guessed = false;  // not counted: its chunks may be the wrong ones
  };
  ChunkSpan SpanOf(uint64_t sector, uint32_t sectors) const;
  uint64_t Chunks() const;
  int StateInMemory(uint64_t chunk) const;  // -1: page not seen yet
  std::string Where() const;
  // What the current fiber is running: the innermost bitmap operation
  // (or core work item, timer callback), and whether the array was
  // degraded, or whole, at some moment while it ran on a CPU (the core
  // can only have read mddev->degraded then).
  struct Context {
    BitmapOp op;
    bool saw_degraded, saw_whole;
  };

  World& world_;
  std::function<void(Verdict)> report_;
  // Asked at every step with a literal: the transparent comparator keeps
  // each question from building a std::string (18 characters is past the
  // small-string buffer: a heap allocation per step).
  std::set<std::string, std::less<>> skip_;
  MdArray* array_ = nullptr;
  std::map<int, const uint8_t*> pages_;                 // page index -> core memory
  std::map<int, std::array<uint8_t, 4096>> snapshot_;   // last seen bytes
  std::set<int> written_;                               // pages the core wrote
  // A write or sync IO began since the last full step check: the next one
  // must run even if no core code ran meanwhile.
  bool recheck_ = true;
  std::map<uint64_t, int> in_flight_;                   // bitmap chunk -> writes
  std::map<uint64_t, int> sync_in_flight_;              // bitmap chunk -> sync IOs
  // IOs in flight, by (sector, sectors), with the chunks counted at start.
  std::multimap<std::pair<uint64_t, uint32_t>, ChunkSpan> started_writes_, started_syncs_;
  TransitionCoverage coverage_;
  CoverageMatrix matrix_;
  uint64_t transitions_ = 0;
  // Steps taken, when each chunk was last seen becoming Syncing, and when
  // each fiber's end_sync began: a chunk a concurrent start_sync made
  // Syncing again after the abort began is not the abort's to give back.
  uint64_t steps_ = 0;
  std::map<uint64_t, uint64_t> syncing_since_;
  std::map<uint64_t, uint64_t> abort_began_;  // fiber id -> step
  // fiber id -> nested operations. Looked up at every step and changed at
  // every bitmap call, never iterated (so its order cannot reach the run):
  // hashed, with the nesting inline, so a call allocates nothing.
  using ContextStack = absl::InlinedVector<Context, 4>;
  absl::flat_hash_map<uint64_t, ContextStack> contexts_;
  // The last fiber looked up and its stack (null: none), for the steps a
  // fiber takes in a row; forgotten whenever contexts_ changes.
  uint64_t looked_up_id_ = ~0ull;
  ContextStack* looked_up_ = nullptr;
  bool failed_ = false;
  bool check_store_hooks_ = false;
  // store_track::MarkEpoch() when OnStep last took the page marks (none
  // yet: a value the epoch, counting up from 0, does not reach).
  uint64_t marks_epoch_ = ~uint64_t{0};
  // The proactive_sync store running (fiber id, 0: none) and the chunks
  // Unwritten when it began that no other fiber has changed since.
  uint64_t proactive_fiber_ = 0;
  std::set<uint64_t> proactive_unwritten_;
  // The reshape_mark running (fiber id, 0: none), the chunk states when it
  // began, and the chunks another fiber changed since.
  uint64_t reshape_fiber_ = 0;
  std::vector<int> reshape_before_;
  std::set<uint64_t> reshape_touched_;
  // The reshape's resize running (fiber id, 0: none), the chunk states and
  // the chunk size when it began.
  uint64_t reshape_resize_fiber_ = 0;
  std::vector<int> reshape_resize_before_;
  uint64_t reshape_resize_cs_ = 0;
  bool reshape_resize_whole_ = false;
  std::function<void(uint64_t, int)> memory_listener_;
  // Tells memory_listener_ what a page's chunks hold now (-1: let go).
  void AnnouncePage(int idx, bool gone);
  void AnnounceAllGone();
};

}  // namespace llsim
