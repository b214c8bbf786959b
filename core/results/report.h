#pragma once
/// @file report.h
/// What a report says, independent of how it is laid out: the comparison of the selected records,
/// the machine and library versions they were measured with, the pipeline that produced them (from
/// the run log beside the database), and what each metric means.  `slimbench-cli report` writes it
/// as Markdown, CSV or JSON; the desktop application lays the same content out as a PDF.

#include "core/results/comparison.h"

#include <filesystem>
#include <string>
#include <vector>

namespace slim::results {

struct ReportInput {
    std::filesystem::path database;
    ComparisonOptions options;
    Comparison comparison;
    std::vector<ResultRecord> records;   ///< the records the comparison uses
    nlohmann::json machines = nlohmann::json::array(); ///< distinct machine descriptions
    nlohmann::json versions = nlohmann::json::array(); ///< distinct library version sets
    /// The pipelines of the selected runs ({"run", "file", "pipeline"}), read from
    /// <database folder>/runs/<run id>.jsonl where present.
    nlohmann::json pipelines = nlohmann::json::array();
    /// The layer similarity of the base model when a selected run has a finished Analyse node on it
    /// (its artifact's result.json), else null; `similaritySource` names the node and run.
    nlohmann::json similarity;
    std::string similaritySource;
    std::string generatedAt;             ///< UTC
    std::string title;
};

/// Read the records of `db` (IoError naming the file when it does not exist) and build the report's
/// content.  ConfigError when nothing is left to report after the filters.
ReportInput loadReport(const std::filesystem::path& db, const ComparisonOptions& options);

/// One sentence on what a metric measures and which way is better.
std::string metricExplanation(const std::string& metric);

/// The whole report as Markdown (title, machines, versions, pipeline nodes and their settings,
/// variant and result tables, metric notes, records left out).
std::string reportMarkdown(const ReportInput& in);
/// {"format": "slimbench-report", ...}: the comparison plus machines, versions and pipelines.
nlohmann::json reportJson(const ReportInput& in);

} // namespace slim::results
