// printk and friends: the formatter's conversions, %p never printing an
// address, dmesg timestamps and levels, WARN/BUG, kstrto*, and md glue.
#include "core/kshim/tests/kshim_fixture.h"

namespace llsim {
namespace {

std::string Fmt(const char* fmt, ...) {
  char buf[256];
  va_list ap;
  va_start(ap, fmt);
  llsim_vscnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  return buf;
}

TEST(PrintfTest, IntegerConversions) {
  KWorld w;
  EXPECT_EQ(Fmt("%d %i %d", 42, -7, INT_MIN), "42 -7 -2147483648");
  EXPECT_EQ(Fmt("%u %lu %llu", 4000000000u, ULONG_MAX, 18446744073709551615ull),
            "4000000000 18446744073709551615 18446744073709551615");
  EXPECT_EQ(Fmt("%ld %lld", LONG_MIN, -1ll), "-9223372036854775808 -1");
  EXPECT_EQ(Fmt("%hhu %hhd %hu %hd", 300, 255, 70000, 40000), "44 -1 4464 -25536");
  EXPECT_EQ(Fmt("%zu %zd %td %jd", (size_t)12, (ssize_t)-3, (ptrdiff_t)-4, (intmax_t)5),
            "12 -3 -4 5");
  EXPECT_EQ(Fmt("%x %X %#x %#X %o %#o %#x", 0xbeefu, 0xbeefu, 255u, 255u, 8u, 8u, 0u),
            "beef BEEF 0xff 0XFF 10 010 0");
}

TEST(PrintfTest, WidthPrecisionAndFlags) {
  KWorld w;
  EXPECT_EQ(Fmt("[%5d][%-5d][%05d][%+d][% d]", 42, 42, -42, 3, 3),
            "[   42][42   ][-0042][+3][ 3]");
  EXPECT_EQ(Fmt("[%.3d][%8.3d][%.0d][%08.3d]", 7, -7, 0, 5), "[007][    -007][][     005]");
  EXPECT_EQ(Fmt("[%*d][%-*d][%.*s]", 4, 1, 3, 2, 2, "abcdef"), "[   1][2  ][ab]");
  EXPECT_EQ(Fmt("[%6s][%-6s][%.2s][%s]", "ab", "ab", "abc", (const char*)nullptr),
            "[    ab][ab    ][ab][(null)]");
  EXPECT_EQ(Fmt("[%c%c][%3c]%%", 'o', 'k', 'x'), "[ok][  x]%");
  EXPECT_EQ(Fmt("%08lx", 0xabcul), "00000abc");
}

TEST(PrintfTest, PointersNeverPrintAddresses) {
  KWorld w;
  block_device bdev{};
  bdev.name = "sdb1";
  int x;
  EXPECT_EQ(Fmt("disk %pg.", &bdev), "disk sdb1.");
  EXPECT_EQ(Fmt("disk %pg.", (block_device*)nullptr), "disk (null).");
  EXPECT_EQ(Fmt("%p|%pS|%pK|%px|%pUb|%*pbl", &x, &x, &x, &x, &x, 8, &x),
            "(ptr)|(ptr)|(ptr)|(ptr)|(ptr)|(ptr)");
}

TEST(PrintfTest, ScnprintfAndSnprintfTruncation) {
  KWorld w;
  char buf[8];
  EXPECT_EQ(scnprintf(buf, sizeof(buf), "%s", "0123456789"), 7);
  EXPECT_STREQ(buf, "0123456");
  EXPECT_EQ(llsim_snprintf(buf, sizeof(buf), "%d-%d", 1234, 5678), 9);
  EXPECT_STREQ(buf, "1234-56");
  EXPECT_EQ(scnprintf(buf, 0, "abc"), 0);
  char page[64];
  EXPECT_EQ(llsim_sprintf(page, "%lu\n", 30ul), 3);
  EXPECT_STREQ(page, "30\n");
}

TEST(PrintkTest, DmesgLinesCarryVirtualTimeAndLevel) {
  KWorld w;
  block_device bdev{};
  bdev.name = "loop3";
  w.Spawn("t", [&] {
    printk(KERN_ERR "md/llbitmap: failed to zero disk %pg: %d\n", &bdev, -5);
    msleep(1500);  // 376 jiffies at HZ=250: 1.504 s
    pr_warn("md/llbitmap: %s: sync_size %llu exceeds %lu\n", "md0", 1ull << 40, 7ul);
    printk("no level\n");
  });
  EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
  const auto& d = w.k->Dmesg();
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0], "[    0.000000] md/llbitmap: failed to zero disk loop3: -5");
  EXPECT_EQ(d[1], "[    1.504000] md/llbitmap: md0: sync_size 1099511627776 exceeds 7");
  EXPECT_EQ(d[2], "[    1.504000] no level");
  EXPECT_EQ(w.k->DmesgLevels(), (std::vector<int>{3, 4, 4}));
  int core_events = 0;
  for (const Event& e : w.world->Log().Events())
    if (e.kind == EventKind::kCore) {
      core_events++;
      if (core_events == 1) {
        EXPECT_EQ(e.a, 3u);
        EXPECT_EQ(e.text, "md/llbitmap: failed to zero disk loop3: -5");
      }
    }
  EXPECT_EQ(core_events, 3);
}

TEST(PrintkTest, WarnReportsCoreFailureAndContinues) {
  KWorld w;
  bool after = false;
  w.Spawn("t", [&] {
    llsim_warn("/some/checkout/drivers/md/md-llbitmap.c", 1547, "sectors && offset < boundary");
    after = true;
  });
  EXPECT_EQ(w.Run(), RunStatus::kFailed);
  EXPECT_TRUE(w.Failed(FailureKind::kCore,
                       "WARN at md-llbitmap.c:1547: sectors && offset < boundary"))
      << w.Failures();
  EXPECT_TRUE(after);
}

TEST(PrintkTest, BugReportsAndHalts) {
  KWorld w;
  bool after = false;
  w.Spawn("t", [&] {
    llsim_bug("md-llbitmap.c", 10, "BUG()");
    after = true;
  });
  EXPECT_EQ(w.Run(), RunStatus::kFailed);
  EXPECT_TRUE(w.Failed(FailureKind::kCore, "BUG at md-llbitmap.c:10")) << w.Failures();
  EXPECT_FALSE(after);
}

TEST(KstrtoTest, KernelSemantics) {
  unsigned long ul = 99;
  EXPECT_EQ(kstrtoul("30", 10, &ul), 0);
  EXPECT_EQ(ul, 30ul);
  EXPECT_EQ(kstrtoul("30\n", 10, &ul), 0);
  EXPECT_EQ(kstrtoul("+5", 10, &ul), 0);
  EXPECT_EQ(ul, 5ul);
  ul = 99;
  EXPECT_EQ(kstrtoul("30\n\n", 10, &ul), -EINVAL);
  EXPECT_EQ(kstrtoul(" 30", 10, &ul), -EINVAL);
  EXPECT_EQ(kstrtoul("30x", 10, &ul), -EINVAL);
  EXPECT_EQ(kstrtoul("", 10, &ul), -EINVAL);
  EXPECT_EQ(kstrtoul("\n", 10, &ul), -EINVAL);
  EXPECT_EQ(kstrtoul("-1", 10, &ul), -EINVAL);
  EXPECT_EQ(kstrtoul("18446744073709551616", 10, &ul), -ERANGE);
  EXPECT_EQ(ul, 99ul);  // untouched on error
  EXPECT_EQ(kstrtoul("18446744073709551615", 10, &ul), 0);
  EXPECT_EQ(ul, ULONG_MAX);
  EXPECT_EQ(kstrtoul("0x1f", 0, &ul), 0);
  EXPECT_EQ(ul, 31ul);
  EXPECT_EQ(kstrtoul("0x1f", 16, &ul), 0);
  EXPECT_EQ(kstrtoul("1f", 16, &ul), 0);
  EXPECT_EQ(ul, 31ul);
  EXPECT_EQ(kstrtoul("017", 0, &ul), 0);
  EXPECT_EQ(ul, 15ul);
  EXPECT_EQ(kstrtoul("019", 0, &ul), -EINVAL);

  unsigned int ui = 0;
  EXPECT_EQ(kstrtouint("4294967295", 10, &ui), 0);
  EXPECT_EQ(ui, UINT_MAX);
  EXPECT_EQ(kstrtouint("4294967296", 10, &ui), -ERANGE);

  int i = 0;
  EXPECT_EQ(kstrtoint("-2147483648\n", 10, &i), 0);
  EXPECT_EQ(i, INT_MIN);
  EXPECT_EQ(kstrtoint("2147483648", 10, &i), -ERANGE);
  EXPECT_EQ(kstrtoint("-2147483649", 10, &i), -ERANGE);
  EXPECT_EQ(kstrtoint("--1", 10, &i), -EINVAL);

  bool b = false;
  EXPECT_EQ(kstrtobool("Y", &b), 0);
  EXPECT_TRUE(b);
  EXPECT_EQ(kstrtobool("0\n", &b), 0);
  EXPECT_FALSE(b);
  EXPECT_EQ(kstrtobool("on", &b), 0);
  EXPECT_TRUE(b);
  EXPECT_EQ(kstrtobool("off", &b), 0);
  EXPECT_FALSE(b);
  EXPECT_EQ(kstrtobool("maybe", &b), -EINVAL);
}

// A small md side that records what the core asked for.
class RecordingHost : public MdHost {
 public:
  const char* Name(mddev*) override { return "md127"; }
  void WakeupThread(md_thread*) override { wakeups++; }
  void Error(mddev*, md_rdev*) override { errors++; }
  bool SyncPageIo(md_rdev*, sector_t, int, page*, blk_opf_t, bool) override { return true; }
  void WriteMetadata(mddev*, md_rdev*, sector_t sector, int size, page*,
                     unsigned int offset) override {
    writes.push_back(sector);
  }
  int SuperWait(mddev*) override { return -EAGAIN; }
  int wakeups = 0, errors = 0;
  std::vector<sector_t> writes;
};

TEST(MdGlueTest, ForwardsToHost) {
  KWorld w;
  RecordingHost host;
  w.k->SetMdHost(&host);
  md_rdev rdev{};
  rdev.sb_start = 8;
  w.Spawn("t", [&] {
    EXPECT_STREQ(mdname(nullptr), "md127");
    md_wakeup_thread(nullptr);
    md_error(nullptr, &rdev);
    md_write_metadata(nullptr, &rdev, 1000, 4096, nullptr, 0);
    md_super_write(nullptr, &rdev, 16, 4096, nullptr);  // relative to sb_start
    EXPECT_EQ(md_super_wait(nullptr), -EAGAIN);
    EXPECT_TRUE(sync_page_io(&rdev, 0, 4096, nullptr, REQ_OP_READ, true));
    EXPECT_EQ(blkdev_issue_zeroout(nullptr, 0, 8, GFP_KERNEL, 0), -EOPNOTSUPP);
  });
  EXPECT_EQ(w.Run(), RunStatus::kIdle) << w.Failures();
  EXPECT_EQ(host.wakeups, 1);
  EXPECT_EQ(host.errors, 1);
  EXPECT_EQ(host.writes, (std::vector<sector_t>{1000, 24}));
}

TEST(MdGlueTest, NoHostIsMisuse) {
  KWorld w;
  w.Spawn("t", [&] { md_wakeup_thread(nullptr); });
  EXPECT_EQ(w.Run(), RunStatus::kFailed);
  EXPECT_TRUE(w.Failed(FailureKind::kShimMisuse, "md_wakeup_thread called with no md host"))
      << w.Failures();
}

TEST(MdGlueTest, RegisterBitmapSubmodule) {
  KWorld w;
  static bitmap_operations ops{};
  ops.head.type = MD_BITMAP;
  ops.head.id = ID_LLBITMAP;
  ops.head.name = "llbitmap";
  static md_personality pers{};
  pers.head.type = MD_PERSONALITY;
  EXPECT_EQ(register_md_submodule(&pers.head), 0);
  EXPECT_EQ(w.k->BitmapOps(), nullptr);
  EXPECT_EQ(register_md_submodule(&ops.head), 0);
  EXPECT_EQ(w.k->BitmapOps(), &ops);
  static bitmap_operations other{};
  other.head.type = MD_BITMAP;
  EXPECT_EQ(register_md_submodule(&other.head), -EBUSY);
  unregister_md_submodule(&ops.head);
  EXPECT_EQ(w.k->BitmapOps(), nullptr);
}

TEST(BitopsTest, FindNextBit) {
  KWorld w;
  unsigned long bits[3] = {0, 0, 0};
  bits[0] = 1ul << 5;
  bits[1] = 1ul << 63;
  bits[2] = 1ul << 1;
  EXPECT_EQ(find_next_bit(bits, 192, 0), 5ul);
  EXPECT_EQ(find_next_bit(bits, 192, 6), 127ul);
  EXPECT_EQ(find_next_bit(bits, 192, 128), 129ul);
  EXPECT_EQ(find_next_bit(bits, 129, 128), 129ul);  // past size: size
  EXPECT_EQ(find_next_bit(bits, 192, 130), 192ul);
}

}  // namespace
}  // namespace llsim
