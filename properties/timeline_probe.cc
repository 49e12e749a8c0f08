// Feeds the timeline from a run; see timeline_probe.h.
#include "properties/timeline_probe.h"

#include <algorithm>
#include <vector>

#include "models/oracle/chunk_model.h"

namespace llsim {

namespace {
constexpr uint64_t kDataOffset = 1024;  // chunk i's byte in the bitmap region
}  // namespace

void TimelineProbe::Attach(const MdArray* array) {
  array_ = array;
  first_byte_.clear();
  if (uint64_t n = inv_.ChunkCount()) chunks_ = n;
  for (int d = 0; d < (int)world_.DiskCount(); d++) {
    uint64_t first;
    if (ChunkBytesAt(d, &first)) ReadMedia(d, first, 0, chunks_);
  }
}

bool TimelineProbe::ChunkBytesAt(int disk, uint64_t* first_byte) {
  auto it = first_byte_.find(disk);
  if (it == first_byte_.end()) {
    if (!array_) return false;
    uint64_t at = array_->LayoutOf(disk).BitmapStart() * 512 + kDataOffset;
    it = first_byte_.emplace(disk, at).first;
  }
  *first_byte = it->second;
  return true;
}

void TimelineProbe::ReadMedia(int disk, uint64_t first_byte, uint64_t from, uint64_t to) {
  if (from >= to) return;
  uint64_t b = first_byte + from, e = first_byte + to;
  uint64_t s = b / 512, n = (e + 511) / 512 - s;
  std::vector<uint8_t> bytes = world_.GetDisk(disk).MediaBytes(s, (uint32_t)n);
  Nanos now = world_.Clock().Now();
  for (uint64_t c = from; c < to; c++) {
    int st = bytes[first_byte + c - s * 512];
    // A byte no state has (garbage, another layout's data) is drawn as unknown.
    out_->ChunkState(now, disk, c, st < kChunkStates ? st : -1);
  }
}

void TimelineProbe::OnMemory(uint64_t chunk, int state) {
  out_->ChunkState(world_.Clock().Now(), Timeline::kMemory, chunk,
                   state < kChunkStates ? state : -1);
}

void TimelineProbe::OnMedia(int disk, uint64_t io_id, uint64_t sector, uint32_t sectors) {
  out_->Durable({world_.Clock().Now(), disk, io_id, sector, sectors});
  if (uint64_t n = inv_.ChunkCount()) chunks_ = n;
  uint64_t first;
  if (!chunks_ || !ChunkBytesAt(disk, &first)) return;
  uint64_t b = sector * 512, e = b + (uint64_t)sectors * 512;
  uint64_t from = std::max(b, first), to = std::min(e, first + chunks_);
  if (from < to) ReadMedia(disk, first, from - first, to - first);
}

void TimelineProbe::OnOp(size_t index, const Op& op) {
  out_->OpBegins(world_.Clock().Now(), index, op.ToString());
}

void TimelineProbe::OnCrash() { out_->Crash(world_.Clock().Now()); }

void TimelineProbe::Finish() {
  out_->End(world_.Clock().Now(), inv_.ChunkSectors(), (int)world_.DiskCount());
}

}  // namespace llsim
