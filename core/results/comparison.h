#pragma once
/// @file comparison.h
/// Result records turned into a comparison of variants: one row per evaluated model folder, one
/// column per (task, convention, device, settings, metric), the newest record per cell.  Numbers
/// measured differently never share a column, so a chart drawn from one column never mixes
/// perplexity conventions, tasks or devices; a record that is not used is listed with the reason.
/// Qt-free: the comparison view, `slimbench-cli report` and the PDF report all read this.

#include "core/results/result_store.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace slim::results {

enum class Direction { LowerIsBetter, HigherIsBetter, Unknown };
/// ppl, nll, kl, loss, bytes, seconds, J/token: lower is better; accuracy, agreement, tokens/s: higher.
Direction metricDirection(const std::string& metric);

struct ComparisonOptions {
    /// Pipeline runs to include: a run id ("2026-11-30T22-02-20Z-thesis-matrix") or a pipeline name;
    /// empty = every record.
    std::vector<std::string> runs;
    /// Only models whose folder name contains this (empty = all).
    std::string model;
    /// Only this quality task (ppl, hellaswag, kl...; empty = all).  Speed records (bench) stay: they
    /// give the variants' speed, memory and energy.
    std::string task;
    /// The variant the relative changes refer to (its label); empty = the first variant without a
    /// parent (an original checkpoint), else none.
    std::string base;
};

struct Variant {
    std::string label;            ///< the pipeline node that made it, else the folder name
    std::string modelName, modelPath, fingerprint;
    std::string pipeline, run;    ///< of its newest pipeline record ("" outside pipelines)
    nlohmann::json steps = nlohmann::json::array(); ///< provenance steps (what was done to the root model)
    std::string stepsText;        ///< "prune-depth (layers 3-4) → lora → quantize awq 4-bit g128"
    bool isOriginal = false;      ///< no parent: an original checkpoint
    std::optional<double> storedBytes;   ///< weights as stored in the folder (safetensors, all dtypes)
    std::optional<double> peakBytes;     ///< peak memory while generating (bench), else while evaluating
    std::string peakKind;                ///< how the peak was measured and on which device
    std::optional<double> decodeTokensPerS; ///< batch-1 decode (bench median)
    std::string speedDevice;
    std::optional<double> joulesPerToken;
    std::string energyNote;       ///< why energy is not available
};

struct Column {
    std::string task, convention, device, metric, unit;
    nlohmann::json settings = nlohmann::json::object(); ///< the evaluation settings shared by its cells
    std::string key;              ///< task|convention|device|settings hash|metric
    Direction direction = Direction::Unknown;
    /// "ppl · token-gptq · cpu (AMD EPYC)"; `setting` distinguishes columns that differ only in settings.
    std::string title() const;
    std::string setting;          ///< "" or e.g. "context=256" when needed to tell columns apart
    /// The table the column belongs to: its key without the metric (task|convention|device|settings).
    std::string table() const { return key.substr(0, key.size() - metric.size()); }
};

struct Cell {
    double value = 0.0;
    std::optional<double> stderr_;
    int64_t recordId = 0;
};

struct Comparison {
    std::vector<Variant> variants;
    std::vector<Column> columns;
    std::map<std::pair<size_t, size_t>, Cell> cells;   ///< (variant, column)
    std::vector<std::string> leftOut;                  ///< records not used, each with the reason
    int base = -1;                                     ///< index into variants, -1 = none
    std::vector<int64_t> recordIds;                    ///< every record used

    const Cell* cell(size_t variant, size_t column) const;
    /// (value - base) / base for the cell, when both exist and the base is not 0.
    std::optional<double> relativeChange(size_t variant, size_t column) const;
    /// The first column of a quality metric (ppl, then accuracy, then KL), -1 when none.
    int qualityColumn() const;
    /// Columns of one metric name.
    std::vector<size_t> columnsOf(const std::string& metric) const;
    /// The columns grouped into tables (same task, convention, device and settings), in first-seen order.
    std::vector<std::vector<size_t>> tables() const;
    /// A table's main metric, the one its change vs the base is shown for: ppl, acc_norm, acc, kl_mean or
    /// decode_tokens_per_s where present, else its first column.
    size_t mainColumn(const std::vector<size_t>& table) const;

    nlohmann::json toJson() const;
    /// Tables (one per task and convention, values ± standard errors, change vs the base), memory /
    /// speed / energy with "not available" where not measured, what each variant is, and the records
    /// left out.
    std::string toMarkdown() const;
    /// One row per variant and column: variant,steps,task,convention,device,metric,value,stderr,unit,
    /// change_vs_base,record_id (RFC 4180).
    std::string toCsv() const;
};

Comparison buildComparison(const std::vector<ResultRecord>& records, const ComparisonOptions& options = {});

/// Indices of the points that no other point beats on both axes (ties kept), sorted by x.  Points
/// with NaN are ignored.  Unknown directions are treated as lower-is-better.
std::vector<size_t> paretoFront(const std::vector<double>& x, Direction dx, const std::vector<double>& y, Direction dy);

/// A compression setting read from a variant's steps, for "metric vs setting" curves:
/// "bits", "group", "sparsity" (fraction of weights zeroed), "layers_removed", "lora_rank".
std::optional<double> sweptSetting(const Variant& v, const std::string& name);
/// The settings above that take at least two different values over the variants.
std::vector<std::string> sweptSettings(const Comparison& c);

/// "1.23 GB", "512 MB"... (decimal units, as disk sizes are shown).
std::string formatBytes(double bytes);

} // namespace slim::results
