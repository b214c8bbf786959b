#pragma once
/// @file job_event_json.h
/// The one wire form of a JobEvent: the JSON object the CLI prints per line with --json and the GUI's
/// Job class reads — from a child process's stdout or, for in-process work, straight from the context.
///   progress  {"event":"progress","progress":0.42[,"node_progress":0.8]}
///   status    {"event":"progress","status":"..."}
///   metric    {"event":"metric","name":"loss","value":2.3[,"step":10][,"unit":"s"]}
///   warning   {"event":"warning","message":"..."}
///   artifact  {"event":"artifact","kind":"model","path":"..."}
///   node      {"event":"node","state":"running"[,"message":"..."]}
///   output    {"event":"output","text":"...","mode":"append"|"replace"|"prompt"}
/// Every kind carries "node" when the event belongs to a pipeline node.

#include "core/common/job_context.h"

#include <nlohmann/json_fwd.hpp>

#include <string>

namespace slim {

nlohmann::json toJson(const JobEvent& e);
/// The inverse of toJson; throws ConfigError naming the field when `j` is not an event of a known kind.
JobEvent jobEventFromJson(const nlohmann::json& j);
/// One line for a person reading a terminal (empty for kinds that are not shown: progress, metric, output).
std::string describe(const JobEvent& e);

} // namespace slim
