// Feeds a Timeline (timeline.h) from a running scenario: the chunk states
// the step invariants see in the core's memory, the chunk bytes of each
// member's bitmap region as writes reach its media, operation starts and
// crashes. It only reads (media bytes, the clock), so the run it watches
// takes the same steps and records the same events as without it.
#pragma once

#include <cstdint>
#include <map>

#include "models/md/md_array.h"
#include "properties/step_invariants.h"
#include "properties/timeline.h"
#include "sim/world.h"
#include "traces/scenario.h"

namespace llsim {

class TimelineProbe {
 public:
  TimelineProbe(World& world, const StepInvariants& inv, Timeline* out)
      : world_(world), inv_(inv), out_(out) {}

  // Each boot: the array whose members' regions to read; what every
  // member's media holds now is the starting state.
  void Attach(const MdArray* array);
  // The array is gone (a crash, the end): its layouts are remembered, as
  // a crash still puts cached writes on the media.
  void Detach() { array_ = nullptr; }

  void OnMemory(uint64_t chunk, int state);
  void OnMedia(int disk, uint64_t io_id, uint64_t sector, uint32_t sectors);
  void OnOp(size_t index, const Op& op);
  void OnCrash();
  void Finish();

 private:
  // Byte offset on `disk` of chunk 0's state byte; false if not known.
  bool ChunkBytesAt(int disk, uint64_t* first_byte);
  // Reads the chunk bytes of [from, to) from the media of `disk`.
  void ReadMedia(int disk, uint64_t first_byte, uint64_t from, uint64_t to);

  World& world_;
  const StepInvariants& inv_;
  Timeline* out_;
  const MdArray* array_ = nullptr;
  std::map<int, uint64_t> first_byte_;  // disk -> offset of chunk 0's byte
  uint64_t chunks_ = 0;                 // the last chunk count known
};

}  // namespace llsim
