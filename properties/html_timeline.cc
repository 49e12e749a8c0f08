// The timeline page; see html_timeline.h.
#include "properties/html_timeline.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "models/oracle/chunk_model.h"
#include "properties/chunk_rows.h"
#include "properties/time_axis.h"

namespace llsim {

namespace {

constexpr size_t kMaxChunkRows = 48;
// Past these, marks lose their tooltips (the page stays a few MB).
constexpr size_t kMaxTitledSpans = 20000;
constexpr size_t kMaxTitledMarks = 3000;
constexpr double kGutter = 210;  // row labels
constexpr double kLane = 18, kIoLane = 36, kChunkRow = 11;

const char* kStateColour[kChunkStates] = {
    "#cfcfcf",  // Unwritten
    "#4caf50",  // Clean
    "#ff9800",  // Dirty
    "#e91e63",  // NeedSync
    "#2196f3",  // Syncing
    "#9c27b0",  // NeedSyncUnwritten
    "#00bcd4",  // SyncingUnwritten
    "#a5d66f",  // CleanUnwritten
};

std::string Esc(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string Time(Nanos t) {
  return absl::StrFormat("%d.%06ds", t / kNsPerSec, t % kNsPerSec / 1000);
}

std::string StateClass(int s) {
  return s < 0 ? "st-unknown" : absl::StrCat("st-", ChunkStateName((uint8_t)s));
}

std::string StateName(int s) { return s < 0 ? "not known" : ChunkStateName((uint8_t)s); }

std::string PlaceName(int place) {
  return place == Timeline::kMemory ? "core memory" : absl::StrFormat("disk %d media", place);
}

bool MemberFailure(const Event& e) {
  return e.kind == EventKind::kMd &&
         (e.text.find("disk failure on") != std::string::npos ||
          e.text.find("mdadm --fail") != std::string::npos ||
          e.text.find("array broken") != std::string::npos);
}

// Short vertical strokes at integer pixels, one path: thousands of IOs cost
// a few bytes each and marks that fall on one pixel are drawn once.
std::string Strokes(const std::set<int>& xs, double y, double h, const std::string& cls) {
  if (xs.empty()) return "";
  std::string d;
  for (int x : xs) absl::StrAppendFormat(&d, "M%d %.1fv%.1f", x, y, h);
  return absl::StrFormat("<path class=\"%s\" d=\"%s\"/>\n", cls, d);
}

class Page {
 public:
  explicit Page(const HtmlTimelineInput& in)
      : in_(in), r_(*in.result), tl_(*in.timeline), rows_(BuildChunkRows(tl_, kMaxChunkRows)),
        axis_(Moments(), PlotWidth()) {}

  std::string Render();

 private:
  std::vector<Nanos> Moments() const;
  double PlotWidth() const;
  double X(Nanos t) const { return kGutter + axis_.X(t); }
  void LaneLabel(double y, double h, const std::string& text, const std::string& cls);
  void Axis();
  void OpsLane();
  void MarksLane();
  void IoLanes();
  void TextLane(const std::string& label, const std::string& cls,
                const std::function<bool(const Event&)>& pick);
  void ChunkSections();
  std::string Svg();
  std::string Tables() const;

  const HtmlTimelineInput& in_;
  const RunResult& r_;
  const Timeline& tl_;
  ChunkRows rows_;
  TimeAxis axis_;
  std::string svg_;  // the lanes, top to bottom
  double y_ = 0;     // where the next lane goes
};

std::vector<Nanos> Page::Moments() const {
  std::vector<Nanos> t = {0, tl_.EndTime()};
  for (const Event& e : r_.event_list)
    if (e.kind != EventKind::kSchedChoice && e.kind != EventKind::kFiberSpawn &&
        e.kind != EventKind::kFiberExit && e.kind != EventKind::kTimerFire)
      t.push_back(e.t);
  for (const ChunkStateChange& c : tl_.Changes()) t.push_back(c.t);
  for (const DurableMark& d : tl_.DurableMarks()) t.push_back(d.t);
  for (const OpMark& o : tl_.Ops()) t.push_back(o.t);
  for (const Verdict& v : r_.failures) t.push_back(v.t);
  return t;
}

double Page::PlotWidth() const {
  // Wide enough that bursts separate; the page scrolls sideways beyond it.
  std::set<Nanos> distinct;
  for (Nanos t : Moments()) distinct.insert(t);
  return std::clamp<double>(distinct.size() * 2.0, 1100, 9000);
}

void Page::LaneLabel(double y, double h, const std::string& text, const std::string& cls) {
  absl::StrAppendFormat(&svg_,
                        "<rect class=\"lane-bg %s\" x=\"%.0f\" y=\"%.1f\" width=\"%.0f\" "
                        "height=\"%.1f\"/>\n<text class=\"lane-label\" x=\"4\" y=\"%.1f\">%s</text>\n",
                        cls, kGutter, y, axis_.Width(), h, y + h / 2 + 4, Esc(text));
}

void Page::Axis() {
  for (auto [x, t] : axis_.Ticks(110))
    absl::StrAppendFormat(&svg_,
                          "<line class=\"tick\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                          "<text class=\"tick-label\" x=\"%.1f\" y=\"%.1f\">%s</text>\n",
                          kGutter + x, y_ + 14, kGutter + x, y_ + 20, kGutter + x + 2, y_ + 12,
                          Time(t));
  y_ += 22;
}

void Page::OpsLane() {
  LaneLabel(y_, kLane * 2, "operations", "ops-lane");
  for (const OpMark& o : tl_.Ops()) {
    double x = X(o.t);
    absl::StrAppendFormat(&svg_,
                          "<g class=\"op-mark\"><title>op %d at %s: %s</title>"
                          "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                          "<text x=\"%.1f\" y=\"%.1f\">%d</text></g>\n",
                          o.index + 1, Time(o.t), Esc(o.text), x, y_ + 2, x, y_ + kLane * 2 - 2,
                          x + 2, y_ + (o.index % 2 ? 30 : 14), o.index + 1);
  }
  y_ += kLane * 2 + 2;
}

void Page::MarksLane() {
  LaneLabel(y_, kLane, "crashes, faults, failures", "marks-lane");
  size_t titled = 0;
  for (Nanos t : tl_.Crashes())
    absl::StrAppendFormat(&svg_,
                          "<g class=\"crash-mark\"><title>crash at %s</title><rect x=\"%.1f\" "
                          "y=\"%.1f\" width=\"4\" height=\"%.1f\"/></g>\n",
                          Time(t), X(t) - 2, y_ + 1, kLane - 2);
  for (const Event& e : r_.event_list) {
    std::string cls;
    if (e.kind == EventKind::kFault) cls = "fault-mark";
    else if (MemberFailure(e)) cls = "member-failure-mark";
    else if (e.kind == EventKind::kFailure) cls = "failure-event";
    else continue;
    std::string title = titled++ < kMaxTitledMarks
                            ? absl::StrFormat("<title>%s at %s: %s%s</title>", EventKindName(e.kind),
                                              Time(e.t),
                                              e.kind == EventKind::kFault
                                                  ? absl::StrFormat("disk %d: ", e.a)
                                                  : "",
                                              Esc(e.text))
                            : "";
    absl::StrAppendFormat(&svg_,
                          "<g class=\"%s\">%s<rect x=\"%.1f\" y=\"%.1f\" width=\"3\" "
                          "height=\"%.1f\"/></g>\n",
                          cls, title, X(e.t) - 1.5, y_ + 3, kLane - 6);
  }
  y_ += kLane + 2;
}

void Page::IoLanes() {
  struct Lane {
    std::set<int> submit, done, error, durable, fault;
    int submits = 0, dones = 0, errors = 0, durables = 0;
    std::vector<const Event*> submitted;
  };
  std::map<int, Lane> lanes;
  for (int d = 0; d < tl_.Disks(); d++) lanes[d];
  for (const Event& e : r_.event_list) {
    int d = (int)e.a;
    switch (e.kind) {
      case EventKind::kDiskSubmit:
        lanes[d].submit.insert((int)X(e.t));
        lanes[d].submits++;
        lanes[d].submitted.push_back(&e);
        break;
      case EventKind::kDiskComplete:
        (e.c ? lanes[d].error : lanes[d].done).insert((int)X(e.t));
        (e.c ? lanes[d].errors : lanes[d].dones)++;
        break;
      case EventKind::kFault: lanes[d].fault.insert((int)X(e.t)); break;
      default: break;
    }
  }
  for (const DurableMark& m : tl_.DurableMarks()) {
    lanes[m.disk].durable.insert((int)X(m.t));
    lanes[m.disk].durables++;
  }
  for (auto& [d, l] : lanes) {
    absl::StrAppendFormat(&svg_, "<g class=\"io-lane\" data-disk=\"%d\"><title>disk %d: %d IOs "
                                 "submitted, %d completed (%d with an error), %d ranges put on "
                                 "the media</title>\n",
                          d, d, l.submits, l.dones + l.errors, l.errors, l.durables);
    LaneLabel(y_, kIoLane, absl::StrFormat("disk %d IO", d), "io-bg");
    svg_ += Strokes(l.submit, y_ + 2, 9, "io-submit");
    svg_ += Strokes(l.done, y_ + 13, 9, "io-complete");
    svg_ += Strokes(l.error, y_ + 13, 9, "io-error");
    svg_ += Strokes(l.durable, y_ + 24, 10, "io-durable");
    svg_ += Strokes(l.fault, y_ + 2, kIoLane - 4, "io-fault");
    // A short trace's IOs each say what they were on hover; a long one's
    // would outweigh the rest of the page.
    if (l.submitted.size() <= kMaxTitledMarks)
      for (const Event* e : l.submitted)
        absl::StrAppendFormat(&svg_,
                              "<rect class=\"io-hover\" x=\"%.1f\" y=\"%.1f\" width=\"3\" "
                              "height=\"9\"><title>%s disk %d sectors %d+%d: %s</title></rect>\n",
                              X(e->t) - 1.5, y_ + 2, Time(e->t), d, e->b, e->c, Esc(e->text));
    svg_ += "</g>\n";
    y_ += kIoLane + 2;
  }
}

void Page::TextLane(const std::string& label, const std::string& cls,
                    const std::function<bool(const Event&)>& pick) {
  LaneLabel(y_, kLane, label, cls);
  size_t n = 0;
  std::set<int> untitled;
  for (const Event& e : r_.event_list) {
    if (!pick(e)) continue;
    if (n++ >= kMaxTitledMarks) {
      untitled.insert((int)X(e.t));
      continue;
    }
    absl::StrAppendFormat(&svg_,
                          "<g class=\"text-mark\"><title>%s %s</title><rect x=\"%.1f\" y=\"%.1f\" "
                          "width=\"2\" height=\"%.1f\"/></g>\n",
                          Time(e.t), Esc(e.text), X(e.t) - 1, y_ + 3, kLane - 6);
  }
  svg_ += Strokes(untitled, y_ + 3, kLane - 6, "text-stroke");
  y_ += kLane + 2;
}

// A row's spans as whole pixels: spans that share a pixel become one rect
// showing the most urgent of their states, so a chunk that changes state
// thousands of times costs at most a rect per pixel.
struct PixelSpan {
  int x0, x1;
  int state;
  Nanos begin, end;
  int merged = 0;  // further spans drawn within it
};

std::vector<PixelSpan> ToPixels(const std::vector<StateSpan>& spans,
                                const std::function<double(Nanos)>& x) {
  std::vector<PixelSpan> out;
  for (const StateSpan& s : spans) {
    int x0 = (int)x(s.begin), x1 = std::max((int)x(s.end), x0 + 1);
    if (!out.empty() && x0 < out.back().x1) {
      PixelSpan& last = out.back();
      if (x1 <= last.x1) {
        if (StateUrgency(s.state) > StateUrgency(last.state)) last.state = s.state;
        last.end = std::max(last.end, s.end);
        last.merged++;
        continue;
      }
      x0 = last.x1;
    }
    if (!out.empty() && out.back().state == s.state && out.back().x1 == x0) {
      out.back().x1 = x1;
      out.back().end = s.end;
      continue;
    }
    out.push_back({x0, x1, s.state, s.begin, s.end});
  }
  return out;
}

void Page::ChunkSections() {
  size_t titled = 0;
  for (int place : rows_.places) {
    absl::StrAppendFormat(&svg_,
                          "<text class=\"section-label\" x=\"4\" y=\"%.1f\">%s</text>\n"
                          "<g class=\"chunk-section\" data-place=\"%s\">\n",
                          y_ + 13, Esc(PlaceName(place)), Esc(PlaceName(place)));
    y_ += 18;
    for (const ChunkRow& row : rows_.rows) {
      LaneLabel(y_, kChunkRow, row.Label(), "chunk-row");
      auto it = row.spans.find(place);
      std::vector<PixelSpan> pixels;
      if (it != row.spans.end())
        pixels = ToPixels(it->second, [this](Nanos t) { return X(t); });
      for (const PixelSpan& s : pixels) {
        std::string title =
            titled++ < kMaxTitledSpans
                ? absl::StrFormat("<title>%s, %s: %s from %s to %s%s</title>", row.Label(),
                                  PlaceName(place), StateName(s.state), Time(s.begin),
                                  Time(s.end),
                                  s.merged ? absl::StrFormat(" (the most urgent of %d states "
                                                             "drawn on this pixel)",
                                                             s.merged + 1)
                                           : "")
                : "";
        absl::StrAppendFormat(&svg_,
                              "<rect class=\"%s\" x=\"%d\" y=\"%.1f\" width=\"%d\" "
                              "height=\"%.1f\">%s</rect>\n",
                              StateClass(s.state), s.x0, y_ + 1, s.x1 - s.x0, kChunkRow - 2,
                              title);
      }
      y_ += kChunkRow;
    }
    svg_ += "</g>\n";
    y_ += 4;
  }
}

std::string Page::Svg() {
  Axis();
  double top = y_;
  OpsLane();
  MarksLane();
  IoLanes();
  TextLane("dmesg (core log)", "dmesg-lane", [](const Event& e) { return e.kind == EventKind::kCore; });
  TextLane("md and harness notes", "md-lane", [](const Event& e) {
    return e.kind == EventKind::kMd || e.kind == EventKind::kNote;
  });
  ChunkSections();
  std::string over;
  // Crashes and the failure cross every lane, so what each lane did around
  // them lines up.
  for (Nanos t : tl_.Crashes())
    absl::StrAppendFormat(&over,
                          "<line class=\"crash-line\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                          "y2=\"%.1f\"/>\n",
                          X(t), top, X(t), y_);
  for (size_t i = 0; i < r_.failures.size(); i++) {
    const Verdict& v = r_.failures[i];
    // Failures tend to come last: their label then reads leftwards.
    bool right_edge = axis_.X(v.t) > axis_.Width() * 0.7;
    absl::StrAppendFormat(&over,
                          "<g class=\"failure-mark\"><title>FAILURE %s</title><line x1=\"%.1f\" "
                          "y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/><text x=\"%.1f\" y=\"%.1f\"%s>"
                          "FAILURE %s at %s</text></g>\n",
                          Esc(v.ToString()), X(v.t), top, X(v.t), y_,
                          X(v.t) + (right_edge ? -4 : 4), top + 10 + 12.0 * i,
                          right_edge ? " text-anchor=\"end\"" : "", Esc(v.property), Time(v.t));
  }
  return absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\">\n%s%s</svg>\n",
      kGutter + axis_.Width() + 20, y_ + 8, svg_, over);
}

std::string Page::Tables() const {
  std::string out = "<h2>Operations</h2>\n<table class=\"ops\"><tr><th>#</th><th>virtual time</th>"
                    "<th>operation</th></tr>\n";
  for (const OpMark& o : tl_.Ops())
    absl::StrAppendFormat(&out, "<tr><td>%d</td><td>%s</td><td>%s</td></tr>\n", o.index + 1,
                          Time(o.t), Esc(o.text));
  out += "</table>\n<h2>dmesg</h2>\n<pre class=\"dmesg\">";
  for (const std::string& l : r_.dmesg) out += Esc(l) + "\n";
  out += "</pre>\n";
  if (!r_.notes.empty()) {
    out += "<h2>Notes</h2>\n<pre class=\"notes\">";
    for (const std::string& n : r_.notes) out += Esc(n) + "\n";
    out += "</pre>\n";
  }
  return out;
}

constexpr const char* kStyle = R"(body{font:13px sans-serif;margin:12px;color:#222}
h1{font-size:18px;margin:0 0 6px}h2{font-size:15px;margin:18px 0 6px}
.failure-banner{background:#ffebee;border:2px solid #d32f2f;color:#b71c1c;padding:6px 10px;margin:8px 0;font-weight:bold;white-space:pre-wrap}
.passed-banner{background:#e8f5e9;border:1px solid #388e3c;padding:6px 10px;margin:8px 0}
.legend span{display:inline-block;margin-right:12px}.legend i{display:inline-block;width:14px;height:10px;margin-right:4px;border:1px solid #888;vertical-align:middle}
.scroll{overflow-x:auto;border:1px solid #ccc}
svg text{font:10px sans-serif}.lane-label{font-size:10px;fill:#333}.section-label{font-weight:bold;font-size:11px}
.lane-bg{fill:#fafafa;stroke:#eee}.io-bg{fill:#f4f7fb}
.tick{stroke:#999}.tick-label{fill:#555;font-size:9px}
.op-mark line{stroke:#3949ab;stroke-width:1.5}.op-mark text{fill:#3949ab;font-size:9px}
.crash-mark rect{fill:#000}.crash-line{stroke:#000;stroke-width:1.5;stroke-dasharray:6 3;opacity:.7}
.fault-mark rect{fill:#f57c00}.member-failure-mark rect{fill:#8e24aa}.failure-event rect{fill:#d32f2f}
.failure-mark line{stroke:#d32f2f;stroke-width:2.5}.failure-mark text{fill:#d32f2f;font-weight:bold;font-size:11px;paint-order:stroke;stroke:#fff;stroke-width:3px}
.io-submit{stroke:#1e88e5}.io-complete{stroke:#43a047}.io-error{stroke:#d32f2f;stroke-width:2}.io-durable{stroke:#37474f}.io-fault{stroke:#f57c00;stroke-width:2;opacity:.6}
.io-hover{fill:transparent}.text-mark rect{fill:#607d8b}.text-stroke{stroke:#607d8b}
.st-unknown{fill:#fff;stroke:#ddd;stroke-width:.5}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:2px 6px;text-align:left;font-size:12px}
pre{background:#f7f7f7;padding:6px;font-size:11px;max-height:30em;overflow:auto}
)";

std::string Page::Render() {
  std::string css = kStyle;
  for (int s = 0; s < kChunkStates; s++)
    absl::StrAppendFormat(&css, ".%s{fill:%s}.legend .%s{background:%s}\n", StateClass(s),
                          kStateColour[s], StateClass(s), kStateColour[s]);
  std::string out = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>llsim: ",
      Esc(in_.title), "</title>\n<style>\n", css, "</style></head><body>\n<h1>llsim show: ",
      Esc(in_.title), "</h1>\n");
  absl::StrAppendFormat(&out,
                        "<p>core %s; %d events, %s virtual, hash %016x; %d members, chunks of %d "
                        "sectors</p>\n",
                        Esc(in_.core), r_.events, Time(r_.virtual_time), r_.hash, tl_.Disks(),
                        tl_.ChunkSectors());
  // A run keeps its first 4M events (RunScenario); the chunk states are
  // recorded to the end all the same.
  if (r_.event_list.size() < r_.events)
    absl::StrAppendFormat(&out,
                          "<p class=\"truncated\">Only the first %d of %d events were kept: IO, "
                          "faults and log lines after %s are not drawn.</p>\n",
                          r_.event_list.size(), r_.events,
                          Time(r_.event_list.empty() ? 0 : r_.event_list.back().t));
  if (r_.Failed())
    for (const Verdict& v : r_.failures)
      absl::StrAppendFormat(&out, "<div class=\"failure-banner\">FAILURE %s</div>\n",
                            Esc(v.ToString()));
  else
    out += "<div class=\"passed-banner\">passed: no property failed</div>\n";
  out += "<div class=\"legend\">";
  for (int s = 0; s < kChunkStates; s++)
    absl::StrAppendFormat(&out, "<span><i class=\"%s\"></i>%s</span>", StateClass(s),
                          ChunkStateName((uint8_t)s));
  out += "<span><i class=\"st-unknown\"></i>not known (no page in memory)</span></div>\n";
  absl::StrAppendFormat(
      &out,
      "<p>Chunks: %d with a state seen, %d changed state; %s. Time runs left to right, each gap "
      "drawn by its logarithm (ticks give virtual time). IO lanes: submitted (top, blue), "
      "completed (middle, green; red: error), on the media (bottom). Black dashed: crash; red: "
      "the failure; orange: injected faults; purple: member failures. Hover for details.</p>\n",
      rows_.chunks_seen, rows_.chunks_changed,
      rows_.bucketed ? "neighbouring changed chunks share a row, which shows the most urgent "
                       "state among them (Syncing, NeedSync, Dirty, Clean, Unwritten)"
                     : "one row per changed chunk");
  out += "<div class=\"scroll\">\n" + Svg() + "</div>\n" + Tables() + "</body></html>\n";
  return out;
}

}  // namespace

std::string RenderHtmlTimeline(const HtmlTimelineInput& in) { return Page(in).Render(); }

absl::Status CheckHtmlPath(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (path.empty()) return absl::InvalidArgumentError("--html needs a file name");
  if (fs::is_directory(path, ec))
    return absl::InvalidArgumentError(absl::StrCat("cannot write --html page ", path,
                                                   ": it is a directory"));
  fs::path dir = fs::path(path).parent_path();
  if (dir.empty()) dir = ".";
  if (!fs::is_directory(dir, ec))
    return absl::InvalidArgumentError(absl::StrCat("cannot write --html page ", path, ": no directory ",
                                                   dir.string()));
  if (access(dir.c_str(), W_OK) != 0)
    return absl::InvalidArgumentError(absl::StrCat("cannot write --html page ", path, ": ",
                                                   std::strerror(errno)));
  return absl::OkStatus();
}

absl::Status WriteHtmlTimeline(const std::string& path, const HtmlTimelineInput& in) {
  std::string page = RenderHtmlTimeline(in);
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (f) f << page;
  if (!f || !f.flush())
    return absl::InvalidArgumentError(absl::StrCat("cannot write --html page ", path, ": ",
                                                   std::strerror(errno)));
  return absl::OkStatus();
}

}  // namespace llsim
