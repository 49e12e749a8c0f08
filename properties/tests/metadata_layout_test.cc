// md metadata versions 1.0, 1.1 and 1.2: the bitmap region lies where md
// puts it for each (md superblock at the end of the member with the bitmap
// before it, at a negative offset; or at sector 0 / 4 KiB with the bitmap
// after it), the core's IO lands there and nowhere else, the bitmap-bounds
// check sees a write outside the region on every layout and names one that
// lands on the md superblock, and whole runs on each layout pass on the
// configured core. The expected addresses are worked out here from md's
// rules (super_1_load), not taken from the model's MemberLayout.
#include <gtest/gtest.h>

#include <cstddef>
#include <map>

#include "core/kshim/src/kshim.h"
#include "models/md/md_array.h"
#include "models/oracle/chunk_model.h"
#include "models/oracle/data_oracle.h"
#include "properties/runner.h"
#include "properties/step_invariants.h"
#include "sim/world.h"
#include "traces/trace_format.h"
#include "properties/tests/fiber_helpers.h"

namespace llsim {
namespace {

// Where md finds things on a member of `capacity` sectors.
struct Expected {
  uint64_t sb, bitmap, data;
};

Expected ExpectedFor(int minor, uint64_t capacity, uint64_t space) {
  switch (minor) {
    case 0: {
      uint64_t sb = (capacity - 16) & ~7ull;  // 8 to 12 KiB from the end, 4 KiB aligned
      return {sb, sb - space, 0};
    }
    case 1:
      return {0, 8, 2048};
    default:
      return {8, 16, 2048};
  }
}

class MetadataLayoutTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    WorldConfig wc;
    wc.seed = 11;
    wc.strategy = "random";
    world_ = std::move(*World::Create(wc));
    cfg_.mirrors = 2;
    cfg_.dev_sectors = 16384;
    cfg_.bitmap_space = 16;
    cfg_.daemon_sleep = 1;
    cfg_.metadata_minor = GetParam();
    cfg_.spare_extra_sectors = SpareExtra();
    ASSERT_TRUE(CreateArrayDisks(*world_, cfg_).ok());
    kshim_ = std::make_unique<Kshim>(*world_);
    Fiber("modprobe", [&] { ASSERT_EQ(md_llbitmap_init(), 0); });
    oracle_ = std::make_unique<DataOracle>(cfg_.dev_sectors);
    array_ = std::make_unique<MdArray>(*world_, *kshim_, cfg_, oracle_.get());
    want_ = ExpectedFor(GetParam(), world_->GetDisk(0).Geometry().sectors, cfg_.bitmap_space);
  }
  virtual uint64_t SpareExtra() const { return 0; }
  void TearDown() override {
    world_->Sched().CancelAll();
    array_.reset();
    kshim_.reset();
  }
  void Fiber(const std::string& name, std::function<void()> fn) {
    RunOnFiberToEnd(*world_, name, std::move(fn));
  }
  void Idle(int seconds) { LetTimePass(*world_, seconds); }
  uint8_t Media(int d, uint64_t chunk) {
    uint64_t pos = 1024 + chunk;
    return world_->GetDisk(d).MediaBytes(want_.bitmap + pos / 512, 1)[pos % 512];
  }
  std::optional<MdSuperblock> MdSb(int d) {
    return MdSuperblock::Decode(world_->GetDisk(d).MediaBytes(want_.sb, kMdSbBytes / 512));
  }
  md_rdev* FirstRdev() {
    list_head* head = &array_->Mddev()->disks;
    if (head->next == head) return nullptr;
    return reinterpret_cast<md_rdev*>(reinterpret_cast<char*>(head->next) -
                                      offsetof(md_rdev, same_set));
  }

  ArrayConfig cfg_;
  Expected want_{};
  std::unique_ptr<World> world_;
  std::unique_ptr<Kshim> kshim_;
  std::unique_ptr<DataOracle> oracle_;
  std::unique_ptr<MdArray> array_;
};

TEST_P(MetadataLayoutTest, BitmapIoLandsWhereMdPutsIt) {
  // mdadm's layout on the media before anything runs.
  for (int d = 0; d < cfg_.mirrors; d++) {
    ASSERT_TRUE(MdSb(d).has_value()) << "no md superblock at " << want_.sb << " on disk " << d;
    auto b = world_->GetDisk(d).MediaBytes(want_.bitmap, 1);
    EXPECT_EQ(reinterpret_cast<const bitmap_super_t*>(b.data())->magic, (uint32_t)BITMAP_MAGIC);
  }
  // Every bitmap write the core makes, wherever it goes.
  std::vector<std::pair<uint64_t, uint32_t>> writes;
  MdObserver obs;
  obs.bitmap_write = [&](int, uint64_t sector, uint32_t sectors) {
    writes.push_back({sector, sectors});
  };
  array_->SetObserver(obs);
  Reach reach;
  array_->SetReach(&reach);

  Fiber("mdadm --assemble", [&] { ASSERT_TRUE(array_->Assemble().ok()); });
  // super_1_validate's signed offset, and the space md itself grants: all
  // the room up to the superblock on 1.0, none on 1.1/1.2 (the core then
  // takes sectors_reserved and tells md).
  EXPECT_EQ(array_->Mddev()->bitmap_info.offset, (long long)want_.bitmap - (long long)want_.sb);
  if (GetParam() == 0) EXPECT_EQ(array_->Mddev()->bitmap_info.space, cfg_.bitmap_space);
  world_->Sched().Run([&] { return !array_->SyncPending(); },
                      world_->Clock().Now() + 60 * kNsPerSec);
  Fiber("writer", [&] { ASSERT_EQ(array_->Write(0, 64, false), 0); });
  for (int d = 0; d < cfg_.mirrors; d++) {
    EXPECT_EQ(Media(d, 0), (uint8_t)ChunkState::kDirty) << "disk " << d;
    EXPECT_NE(world_->GetDisk(d).VisibleStamp(want_.data), kStampNeverWritten)
        << "the data did not land at the data offset on disk " << d;
  }
  Idle(10);
  Fiber("mdadm --stop", [&] { ASSERT_TRUE(array_->Stop().ok()); });
  for (int d = 0; d < cfg_.mirrors; d++) {
    EXPECT_EQ(Media(d, 0), (uint8_t)ChunkState::kClean) << "disk " << d;
    ASSERT_TRUE(MdSb(d).has_value()) << "md superblock lost on disk " << d;
  }
  ASSERT_FALSE(writes.empty());
  for (auto [sector, sectors] : writes)
    EXPECT_TRUE(sector >= want_.bitmap && sector + sectors <= want_.bitmap + cfg_.bitmap_space)
        << "bitmap write at " << sector << "+" << sectors << " outside " << want_.bitmap << "+"
        << cfg_.bitmap_space;
  ASSERT_FALSE(world_->Sched().Failed()) << world_->Sched().Failures()[0].ToString();
  EXPECT_EQ(reach.features["metadata 1.0"], GetParam() == 0 ? 1u : 0u);
  EXPECT_EQ(reach.features["metadata 1.1"], GetParam() == 1 ? 1u : 0u);
}

// A core that writes outside its region: the step invariant reports it on
// every layout, and names the md superblock when it lands there (on 1.0
// the first sector past the region is the superblock, on 1.1/1.2 the one
// before it); the clobbered superblock no longer reads back.
TEST_P(MetadataLayoutTest, BoundsCheckSeesWritesOutsideTheRegion) {
  std::vector<Verdict> verdicts;
  StepInvariants inv(*world_, [&](Verdict v) { verdicts.push_back(std::move(v)); });
  inv.Attach(array_.get());
  Fiber("mdadm --assemble", [&] { ASSERT_TRUE(array_->Assemble().ok()); });
  // Idle, so no superblock update of md's races the writes below.
  world_->Sched().Run([&] { return !array_->SyncPending(); },
                      world_->Clock().Now() + 60 * kNsPerSec);
  Idle(5);
  std::vector<uint8_t> junk(4096, 0xa5);
  page pg{junk.data(), 0};
  md_rdev* rdev = FirstRdev();
  ASSERT_NE(rdev, nullptr);
  // Whether the member's md superblock still read back right after the
  // write completed (md rewrites it at its next superblock update, so a
  // crash must come before that for assembly to fail; none is needed here).
  bool sb_readable = true;
  auto write_at = [&](uint64_t sector) {
    Fiber("runaway core", [&] {
      md_write_metadata(array_->Mddev(), rdev, sector, 512, &pg, 0);
      md_super_wait(array_->Mddev());
      sb_readable = MdSuperblock::Decode(world_->GetDisk(rdev->llsim_disk).VisibleBytes(
                        want_.sb, kMdSbBytes / 512))
                        .has_value();
    });
  };
  write_at(want_.bitmap + cfg_.bitmap_space - 1);  // the region's last sector: fine
  EXPECT_TRUE(verdicts.empty()) << verdicts[0].ToString();
  EXPECT_TRUE(sb_readable);

  uint64_t onto_sb = GetParam() == 0 ? want_.bitmap + cfg_.bitmap_space : want_.bitmap - 8;
  write_at(onto_sb);
  ASSERT_EQ(verdicts.size(), 1u);
  EXPECT_EQ(verdicts[0].property, kPropBitmapBounds);
  EXPECT_NE(verdicts[0].message.find("onto the md superblock"), std::string::npos)
      << verdicts[0].message;
  EXPECT_FALSE(sb_readable) << "the superblock survived the write";

  inv.Rearm();
  if (GetParam() != 0) {
    // Past the end of a 1.1/1.2 region lies unused room (or data): still
    // out of bounds, not the superblock.
    write_at(want_.bitmap + cfg_.bitmap_space);
    ASSERT_EQ(verdicts.size(), 2u);
    EXPECT_EQ(verdicts[1].message.find("onto the md superblock"), std::string::npos)
        << verdicts[1].message;
  }
  inv.Detach();
}

INSTANTIATE_TEST_SUITE_P(Versions, MetadataLayoutTest, ::testing::Values(0, 1, 2),
                         [](const auto& info) {
                           return std::string("v1_") + std::to_string(info.param);
                         });

// A spare bigger than the mirrors on 1.0: md finds its superblock at its
// own end and addresses its bitmap from there (each member's sb_start plus
// the one offset), so after it joins, its bitmap lives at other sectors
// than the mirrors', and every bitmap write to it lands in its own region.
class BiggerSpareTest : public MetadataLayoutTest {
 protected:
  uint64_t SpareExtra() const override { return 2048; }
};

TEST_P(BiggerSpareTest, SparesBitmapFollowsItsOwnSuperblock) {
  const int spare = cfg_.mirrors;
  Expected spare_want =
      ExpectedFor(GetParam(), world_->GetDisk(spare).Geometry().sectors, cfg_.bitmap_space);
  EXPECT_EQ(world_->GetDisk(spare).Geometry().sectors,
            world_->GetDisk(0).Geometry().sectors + 2048);
  if (GetParam() == 0)
    EXPECT_EQ(spare_want.sb, want_.sb + 2048);
  else
    EXPECT_EQ(spare_want.bitmap, want_.bitmap);  // nothing moves on 1.1/1.2

  std::map<int, std::vector<std::pair<uint64_t, uint32_t>>> writes;
  MdObserver obs;
  obs.bitmap_write = [&](int disk, uint64_t sector, uint32_t sectors) {
    writes[disk].push_back({sector, sectors});
  };
  array_->SetObserver(obs);
  Reach reach;
  array_->SetReach(&reach);
  Fiber("mdadm --assemble", [&] { ASSERT_TRUE(array_->Assemble().ok()); });
  world_->Sched().Run([&] { return !array_->SyncPending(); },
                      world_->Clock().Now() + 60 * kNsPerSec);
  Fiber("writer", [&] { ASSERT_EQ(array_->Write(0, 64, false), 0); });
  Fiber("mdadm --fail", [&] { ASSERT_TRUE(array_->FailMember(1).ok()); });
  Fiber("mdadm --add", [&] { ASSERT_TRUE(array_->AddSpare().ok()); });
  world_->Sched().Run([&] { return array_->Degraded() == 0 && !array_->SyncPending(); },
                      world_->Clock().Now() + 600 * kNsPerSec);
  ASSERT_EQ(array_->Degraded(), 0);
  Fiber("mdadm --stop", [&] { ASSERT_TRUE(array_->Stop().ok()); });
  ASSERT_FALSE(world_->Sched().Failed()) << world_->Sched().Failures()[0].ToString();

  // The spare's md superblock and bitmap, at its own sectors.
  const Disk& d = world_->GetDisk(spare);
  auto sb = MdSuperblock::Decode(d.MediaBytes(spare_want.sb, kMdSbBytes / 512));
  ASSERT_TRUE(sb.has_value()) << "no md superblock at " << spare_want.sb << " on the spare";
  EXPECT_EQ(sb->role, 1);
  auto b = d.MediaBytes(spare_want.bitmap, 1);
  EXPECT_EQ(reinterpret_cast<const bitmap_super_t*>(b.data())->magic, (uint32_t)BITMAP_MAGIC);
  uint64_t pos = 1024;  // chunk 0
  EXPECT_EQ(d.MediaBytes(spare_want.bitmap + pos / 512, 1)[pos % 512],
            (uint8_t)ChunkState::kClean);
  ASSERT_FALSE(writes[spare].empty());
  for (auto [sector, sectors] : writes[spare])
    EXPECT_TRUE(sector >= spare_want.bitmap &&
                sector + sectors <= spare_want.bitmap + cfg_.bitmap_space)
        << "bitmap write to the spare at " << sector << "+" << sectors;
  EXPECT_EQ(reach.features["spare with its own bitmap address"], GetParam() == 0 ? 1u : 0u);
}

INSTANTIATE_TEST_SUITE_P(Versions, BiggerSpareTest, ::testing::Values(0, 2),
                         [](const auto& info) {
                           return std::string("v1_") + std::to_string(info.param);
                         });

uint64_t FeatureOf(const RunResult& r, const std::string& name) {
  auto it = r.reach.features.find(name);
  return it == r.reach.features.end() ? 0 : it->second;
}

// Whole runs on 1.0 and 1.1: crashes, a failure and re-add, a grow and a
// shrink, all properties checked, on the configured core.
TEST(MetadataLayoutRunTest, WholeRunsPassOnEveryLayout) {
  for (const char* meta : {"1.0", "1.1"}) {
    std::string text = std::string(
        "llsim-trace 1\nseed 21\n"
        "array mirrors=2 sectors=16384 space=16 daemon_sleep=1 metadata=") + meta + "\n"
        "op +0us write 0 64\nop +0us write 9000 128\nop +0us discard 4096 256\n"
        "op +0us wait\nop +0us crash random\nop +0us assemble\nop +0us settle\n"
        "op +0us fail 1\nop +0us write 128 64\nop +0us readd 1\nop +0us settle\n"
        "op +0us resize 32768\nop +0us write 30000 64\nop +0us settle\n"
        "op +0us stop\nop +0us assemble\nop +0us settle\n";
    auto t = ParseTrace(text, meta);
    ASSERT_TRUE(t.ok()) << t.status();
    EXPECT_EQ(t->scenario.array.metadata_minor, meta[2] - '0');
    // The array line names the version, and reads back the same.
    std::string again = FormatTrace(*t);
    EXPECT_NE(again.find(std::string("metadata=") + meta), std::string::npos) << again;
    RunResult r = RunScenario(t->scenario);
    ASSERT_FALSE(r.Failed()) << meta << ": " << r.First()->ToString();
    EXPECT_EQ(FeatureOf(r, std::string("metadata ") + meta), FeatureOf(r, "assemble")) << meta;
    EXPECT_GT(FeatureOf(r, "resize"), 0u) << meta;
    EXPECT_GT(FeatureOf(r, "re-add"), 0u) << meta;
  }
}

// The same through the runner (every property, crashes, bounds per member).
TEST(MetadataLayoutRunTest, BiggerSparesPass) {
  auto t = ParseTrace(
      "llsim-trace 1\nseed 23\n"
      "array mirrors=2 sectors=16384 space=16 daemon_sleep=1 metadata=1.0 spare_extra=2048\n"
      "op +0us write 0 64\nop +0us settle\nop +0us fail 1\nop +0us write 128 64\n"
      "op +0us addspare\nop +0us settle\nop +0us write 4096 64\nop +0us crash random\n"
      "op +0us assemble\nop +0us settle\n",
      "spare");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_NE(FormatTrace(*t).find("spare_extra=2048"), std::string::npos);
  RunResult r = RunScenario(t->scenario);
  ASSERT_FALSE(r.Failed()) << r.First()->ToString();
  EXPECT_EQ(FeatureOf(r, "spare with its own bitmap address"), 1u);
  EXPECT_EQ(FeatureOf(r, "assemble"), 2u);
}

TEST(MetadataLayoutRunTest, DefaultIsUnwritten) {
  TraceFile t;
  EXPECT_EQ(FormatTrace(t).find("metadata"), std::string::npos);
  auto bad = ParseTrace("llsim-trace 1\narray metadata=0.9\n", "bad");
  EXPECT_FALSE(bad.ok());
}

}  // namespace
}  // namespace llsim
