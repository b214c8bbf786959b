#include "core/pipeline/graph.h"

#include "core/io/atomic_file.h"
#include "core/io/strict_json.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

namespace slim::pipeline {

using nlohmann::json;
using R = GraphError::Reason;

namespace {

/// A parameter checked against its schema; a violation is a GraphError (BadParam) with the rule.
json checked(const ParamSpec& p, const json& v, const std::string& where) {
    try {
        return p.validate(v, where);
    } catch (const GraphError&) {
        throw;
    } catch (const ConfigError& e) {
        throw GraphError(R::BadParam, e.what());
    }
}

json parsed(const ParamSpec& p, const std::string& text, const std::string& where) {
    try {
        return p.parse(text, where);
    } catch (const ConfigError& e) {
        throw GraphError(R::BadParam, e.what());
    }
}

} // namespace

PortRef parsePortRef(const std::string& text) {
    const auto dot = text.rfind('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == text.size())
        throw GraphError(R::Format, "'" + text + "': a port is written NODE.PORT");
    return {text.substr(0, dot), text.substr(dot + 1)};
}

const NodeType& Graph::typeOf(const Node& n) const {
    const NodeType* t = findNodeType(n.type);
    if (!t)
        throw GraphError(R::UnknownType, "node '" + n.id + "': unknown node type '" + n.type + "'");
    return *t;
}

Node& Graph::addNode(const std::string& id, const std::string& type, const json& params) {
    if (id.empty() || id.find('.') != std::string::npos || id.find(' ') != std::string::npos)
        throw GraphError(R::Format, "node id '" + id + "': non-empty, without '.' or spaces");
    if (find(id))
        throw GraphError(R::DuplicateId, "a node with id '" + id + "' exists already");
    const NodeType* t = findNodeType(type);
    if (!t) {
        std::string known;
        for (const auto& k : nodeTypes())
            known += (known.empty() ? "" : ", ") + k.id;
        throw GraphError(R::UnknownType, "node '" + id + "': unknown node type '" + type + "' (known: " + known + ")");
    }
    Node n;
    n.id = id;
    n.type = type;
    n.params = t->defaults();
    if (!params.is_object())
        throw GraphError(R::BadParam, "node '" + id + "': params must be an object");
    for (auto it = params.begin(); it != params.end(); ++it) {
        const ParamSpec* p = t->param(it.key());
        if (!p)
            throw GraphError(R::BadParam, "node '" + id + "' (" + type + "): unknown parameter '" + it.key() + "'");
        n.params[it.key()] = it.value().is_null() ? json(nullptr) : checked(*p, it.value(), "node '" + id + "'");
    }
    m_nodes.push_back(std::move(n));
    return m_nodes.back();
}

void Graph::removeNode(const std::string& id) {
    m_links.erase(std::remove_if(m_links.begin(), m_links.end(),
                                 [&](const Link& l) { return l.from.node == id || l.to.node == id; }),
                  m_links.end());
    m_nodes.erase(std::remove_if(m_nodes.begin(), m_nodes.end(), [&](const Node& n) { return n.id == id; }), m_nodes.end());
}

const Node* Graph::find(const std::string& id) const {
    for (const auto& n : m_nodes)
        if (n.id == id)
            return &n;
    return nullptr;
}

Node* Graph::find(const std::string& id) {
    for (auto& n : m_nodes)
        if (n.id == id)
            return &n;
    return nullptr;
}

const Link* Graph::linkInto(const PortRef& to) const {
    for (const auto& l : m_links)
        if (l.to == to)
            return &l;
    return nullptr;
}

bool Graph::reaches(const std::string& from, const std::string& to) const {
    // Is `to` reachable from `from` along links?
    std::set<std::string> seen;
    std::vector<std::string> stack{from};
    while (!stack.empty()) {
        const std::string n = stack.back();
        stack.pop_back();
        if (n == to)
            return true;
        if (!seen.insert(n).second)
            continue;
        for (const auto& l : m_links)
            if (l.from.node == n)
                stack.push_back(l.to.node);
    }
    return false;
}

std::optional<std::string> Graph::canConnect(const PortRef& from, const PortRef& to) const {
    const Node* a = find(from.node);
    const Node* b = find(to.node);
    if (!a)
        return "no node '" + from.node + "'";
    if (!b)
        return "no node '" + to.node + "'";
    const PortSpec* out = typeOf(*a).output(from.port);
    const PortSpec* in = typeOf(*b).input(to.port);
    if (!out)
        return "node '" + a->id + "' (" + a->type + ") has no output '" + from.port + "'";
    if (!in)
        return "node '" + b->id + "' (" + b->type + ") has no input '" + to.port + "'";
    if (out->type != in->type)
        return "type mismatch: " + from.text() + " gives a " + std::string(portTypeName(out->type)) + ", " + to.text() +
               " takes a " + std::string(portTypeName(in->type));
    if (const Link* l = linkInto(to))
        return to.text() + " already has an input (" + l->from.text() + ")";
    if (from.node == to.node || reaches(to.node, from.node))
        return "a link " + from.text() + " -> " + to.text() + " would close a cycle";
    return std::nullopt;
}

void Graph::connect(const PortRef& from, const PortRef& to) {
    if (auto why = canConnect(from, to)) {
        R r = R::UnknownPort;
        if (why->rfind("no node", 0) == 0)
            r = R::UnknownNode;
        else if (why->rfind("type mismatch", 0) == 0)
            r = R::TypeMismatch;
        else if (why->find("already has an input") != std::string::npos)
            r = R::InputTaken;
        else if (why->find("cycle") != std::string::npos)
            r = R::Cycle;
        throw GraphError(r, "cannot connect " + from.text() + " -> " + to.text() + ": " + *why);
    }
    m_links.push_back({from, to});
}

void Graph::disconnect(const PortRef& to) {
    m_links.erase(std::remove_if(m_links.begin(), m_links.end(), [&](const Link& l) { return l.to == to; }), m_links.end());
}

void Graph::setParam(const std::string& node, const std::string& param, const json& value) {
    Node* n = find(node);
    if (!n)
        throw GraphError(R::UnknownNode, "no node '" + node + "'");
    const ParamSpec* p = typeOf(*n).param(param);
    if (!p)
        throw GraphError(R::BadParam, "node '" + node + "' (" + n->type + "): unknown parameter '" + param + "'");
    n->params[param] = checked(*p, value, "node '" + node + "'");
}

void Graph::setFromText(const std::string& assignment) {
    const auto eq = assignment.find('=');
    if (eq == std::string::npos)
        throw GraphError(R::Format, "--set '" + assignment + "': expected NODE.PARAM=VALUE");
    const PortRef ref = parsePortRef(assignment.substr(0, eq));
    Node* n = find(ref.node);
    if (!n)
        throw GraphError(R::UnknownNode, "--set " + assignment + ": no node '" + ref.node + "'");
    const ParamSpec* p = typeOf(*n).param(ref.port);
    if (!p)
        throw GraphError(R::BadParam, "--set " + assignment + ": node '" + ref.node + "' (" + n->type + ") has no parameter '" +
                                          ref.port + "'");
    n->params[ref.port] = parsed(*p, assignment.substr(eq + 1), "--set " + ref.text());
}

std::vector<std::string> Graph::topologicalOrder() const {
    // Kahn's algorithm, stable in file order.
    std::map<std::string, int> indeg;
    for (const auto& n : m_nodes)
        indeg[n.id] = 0;
    for (const auto& l : m_links)
        ++indeg[l.to.node];
    std::vector<std::string> order;
    std::set<std::string> done;
    while (order.size() < m_nodes.size()) {
        bool progressed = false;
        for (const auto& n : m_nodes) {
            if (done.count(n.id) || indeg[n.id] != 0)
                continue;
            order.push_back(n.id);
            done.insert(n.id);
            for (const auto& l : m_links)
                if (l.from.node == n.id)
                    --indeg[l.to.node];
            progressed = true;
        }
        if (!progressed)
            throw GraphError(R::Cycle, "the pipeline has a cycle");
    }
    return order;
}

void Graph::validateForRun() const {
    if (m_nodes.empty())
        throw GraphError(R::Format, "the pipeline has no nodes");
    for (const auto& n : m_nodes) {
        const NodeType& t = typeOf(n);
        for (const auto& p : t.params)
            if (!n.params.contains(p.name) || n.params.at(p.name).is_null())
                throw GraphError(R::BadParam, "node '" + n.id + "' (" + t.title + "): parameter '" + p.name + "' is required (" +
                                                  p.help + ")");
        for (const auto& in : t.inputs)
            if (!in.optional && !linkInto({n.id, in.name}))
                throw GraphError(R::UnknownPort, "node '" + n.id + "' (" + t.title + "): input '" + in.name + "' (" +
                                                     std::string(portTypeName(in.type)) + ") is not connected");
    }
    (void)topologicalOrder();
}

json Graph::toJson() const {
    json nodes = json::array(), links = json::array();
    for (const auto& n : m_nodes)
        nodes.push_back({{"id", n.id}, {"type", n.type}, {"params", n.params}, {"ui", n.ui}});
    for (const auto& l : m_links)
        links.push_back({{"from", l.from.text()}, {"to", l.to.text()}});
    return {{"format", "slimbench-pipeline"}, {"version", kVersion}, {"name", name}, {"nodes", nodes}, {"links", links}, {"ui", ui}};
}

Graph Graph::fromJson(const json& j, const std::string& file) {
    auto fail = [&](R r, const std::string& rule) -> Graph { throw GraphError(r, file + ": " + rule); };
    if (!j.is_object() || j.value("format", "") != "slimbench-pipeline")
        return fail(R::Format, "not a Slimbench pipeline (\"format\": \"slimbench-pipeline\" missing)");
    if (!j.contains("version") || !j.at("version").is_number_integer())
        return fail(R::Format, "\"version\" missing");
    const int v = j.at("version").get<int>();
    if (v != kVersion)
        return fail(R::Format, "pipeline version " + std::to_string(v) + " is not supported (this Slimbench reads version " +
                                   std::to_string(kVersion) + (v > kVersion ? "; written by a newer Slimbench)" : ")"));
    Graph g;
    g.name = j.value("name", "");
    if (j.contains("ui") && j.at("ui").is_object())
        g.ui = j.at("ui");
    try {
        for (const auto& n : j.value("nodes", json::array())) {
            if (!n.is_object() || !n.contains("id") || !n.contains("type") || !n.at("id").is_string() || !n.at("type").is_string())
                return fail(R::Format, "every node needs a string \"id\" and \"type\"");
            Node& node = g.addNode(n.at("id").get<std::string>(), n.at("type").get<std::string>(), n.value("params", json::object()));
            if (n.contains("ui") && n.at("ui").is_object())
                node.ui = n.at("ui");
        }
        for (const auto& l : j.value("links", json::array())) {
            if (!l.is_object() || !l.contains("from") || !l.contains("to") || !l.at("from").is_string() || !l.at("to").is_string())
                return fail(R::Format, "every link needs \"from\" and \"to\" as \"node.port\"");
            g.connect(parsePortRef(l.at("from").get<std::string>()), parsePortRef(l.at("to").get<std::string>()));
        }
    } catch (GraphError& e) {
        e.addContext(file);
        throw;
    }
    return g;
}

Graph Graph::load(const std::filesystem::path& file) {
    return fromJson(io::parseJsonStrict(io::readTextFile(file), file.string()), file.string());
}

void Graph::save(const std::filesystem::path& file) const {
    io::writeFileAtomic(file, toJson().dump(2) + "\n");
}

} // namespace slim::pipeline
