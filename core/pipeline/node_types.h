#pragma once
/// @file node_types.h
/// The node types a pipeline is built from (docs/pipelines.md): each with typed input and output
/// ports and a parameter schema (type, range, default, help text, unit) that the editor renders, the
/// graph validates and the CLI's `--set NODE.PARAM=VALUE` parses.  One registry; adding a method to the
/// pipeline = one row here + one runner in the CLI.

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace slim::pipeline {

enum class PortType { Model, Dataset, Records, Analysis, File };
std::string_view portTypeName(PortType t);

struct PortSpec {
    std::string name;
    PortType type = PortType::Model;
    bool optional = false; ///< inputs: the node runs without a link
};

struct ParamSpec {
    enum class Kind { Int, Float, Bool, String, Choice, Path, StringList };
    std::string name;
    Kind kind = Kind::String;
    nlohmann::json defaultValue; ///< null = required (no default)
    double min = -1e300, max = 1e300;
    std::vector<std::string> choices;
    std::string help, unit;
    /// Checks a value against the spec and returns it normalised (e.g. 4.0 -> 4 for Int); ConfigError
    /// naming `where`, the parameter and the rule.
    nlohmann::json validate(const nlohmann::json& v, const std::string& where) const;
    /// Parses a command-line text ("4", "0.5", "true", "a,b") into a value of this kind.
    nlohmann::json parse(const std::string& text, const std::string& where) const;
};

std::string_view paramKindName(ParamSpec::Kind k);

struct NodeType {
    std::string id;       ///< "load", "quantize"...
    std::string title;    ///< "Load model"
    std::string category; ///< "Input", "Prune", "Recover", "Quantize", "Evaluate", "Output"
    std::string help;
    std::vector<PortSpec> inputs, outputs;
    std::vector<ParamSpec> params;
    const ParamSpec* param(std::string_view name) const;
    const PortSpec* input(std::string_view name) const;
    const PortSpec* output(std::string_view name) const;
    /// Every parameter with its default (null for required ones).
    nlohmann::json defaults() const;
};

const std::vector<NodeType>& nodeTypes();
/// nullptr when unknown.
const NodeType* findNodeType(std::string_view id);

} // namespace slim::pipeline
