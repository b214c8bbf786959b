#include "core/common/job_event_json.h"

#include "core/common/errors.h"

#include <nlohmann/json.hpp>

namespace slim {

using nlohmann::json;
using K = JobEvent::Kind;

json toJson(const JobEvent& e) {
    json j;
    switch (e.kind) {
    case K::Progress:
        j = {{"event", "progress"}, {"progress", e.progress}};
        if (e.nodeProgress >= 0)
            j["node_progress"] = e.nodeProgress;
        break;
    case K::Status:
        j = {{"event", "progress"}, {"status", e.text}};
        break;
    case K::Metric:
        j = {{"event", "metric"}, {"name", e.name}, {"value", e.value}};
        if (e.step >= 0)
            j["step"] = e.step;
        if (!e.unit.empty())
            j["unit"] = e.unit;
        break;
    case K::Warning:
        j = {{"event", "warning"}, {"message", e.text}};
        break;
    case K::Artifact:
        j = {{"event", "artifact"}, {"kind", e.text}, {"path", e.path}};
        break;
    case K::NodeState:
        j = {{"event", "node"}, {"state", e.text}};
        if (!e.name.empty())
            j["message"] = e.name;
        break;
    case K::Output:
        j = {{"event", "output"}, {"text", e.text}, {"mode", e.name.empty() ? "append" : e.name}};
        break;
    }
    if (!e.node.empty())
        j["node"] = e.node;
    return j;
}

namespace {
std::string str(const json& j, const char* key, bool required = true) {
    if (!j.contains(key)) {
        if (required)
            throw ConfigError(std::string("job event: field \"") + key + "\" is missing in " + j.dump());
        return {};
    }
    if (!j.at(key).is_string())
        throw ConfigError(std::string("job event: field \"") + key + "\" must be a string in " + j.dump());
    return j.at(key).get<std::string>();
}
double num(const json& j, const char* key) {
    if (!j.contains(key) || !j.at(key).is_number())
        throw ConfigError(std::string("job event: field \"") + key + "\" must be a number in " + j.dump());
    return j.at(key).get<double>();
}
} // namespace

JobEvent jobEventFromJson(const json& j) {
    if (!j.is_object())
        throw ConfigError("job event: expected a JSON object, got " + j.dump());
    const std::string ev = str(j, "event");
    JobEvent e;
    e.node = str(j, "node", false);
    if (ev == "progress") {
        if (j.contains("progress")) {
            e.kind = K::Progress;
            e.progress = num(j, "progress");
            if (j.contains("node_progress"))
                e.nodeProgress = num(j, "node_progress");
        } else {
            e.kind = K::Status;
            e.text = str(j, "status");
        }
    } else if (ev == "metric") {
        e.kind = K::Metric;
        e.name = str(j, "name");
        e.value = num(j, "value");
        if (j.contains("step"))
            e.step = static_cast<int64_t>(num(j, "step"));
        e.unit = str(j, "unit", false);
    } else if (ev == "warning") {
        e.kind = K::Warning;
        e.text = str(j, "message");
    } else if (ev == "artifact") {
        e.kind = K::Artifact;
        e.text = str(j, "kind");
        e.path = str(j, "path");
    } else if (ev == "node") {
        e.kind = K::NodeState;
        e.text = str(j, "state");
        e.name = str(j, "message", false);
    } else if (ev == "output") {
        e.kind = K::Output;
        e.text = str(j, "text");
        e.name = str(j, "mode", false);
        if (e.name.empty())
            e.name = "append";
    } else {
        throw ConfigError("job event: unknown kind \"" + ev + "\"");
    }
    return e;
}

std::string describe(const JobEvent& e) {
    const std::string where = e.node.empty() ? "" : e.node + ": ";
    switch (e.kind) {
    case K::Status:
        return "[" + where + e.text + "]";
    case K::Warning:
        return "warning: " + where + e.text;
    case K::Artifact:
        return "wrote " + e.text + ": " + e.path;
    case K::NodeState:
        return "node " + e.node + ": " + e.text + (e.name.empty() ? "" : " (" + e.name + ")");
    case K::Progress:
    case K::Metric:
    case K::Output:
        return {};
    }
    return {};
}

} // namespace slim
