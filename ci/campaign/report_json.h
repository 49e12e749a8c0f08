// report.json: the machine-readable campaign record, written and read
// back (for --known, `campaign merge` and `campaign recheck`).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "ci/campaign/report.h"

namespace llsim {

std::string ReportJson(const CampaignReport& r);
absl::StatusOr<CampaignReport> ParseReportJson(const std::string& text, const std::string& origin);
absl::StatusOr<CampaignReport> ReadReportJson(const std::string& path);

// JSON string literal of s (quotes included).
std::string JsonQuote(const std::string& s);

}  // namespace llsim
