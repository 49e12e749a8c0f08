// The campaign report for people: report.md, report.html (one page with
// its style inline, nothing fetched, so it renders offline), and
// signatures.txt (the list form --known reads, one signature a line).
#pragma once

#include <string>

#include "ci/campaign/report.h"

namespace llsim {

std::string ReportMarkdown(const CampaignReport& r);
std::string ReportHtml(const CampaignReport& r);
std::string SignatureList(const CampaignReport& r);

}  // namespace llsim
