#include "app/cli/cli_common.h"

#include "core/common/job_event_json.h"

#include "core/common/errors.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <thread>

namespace slim::cli {

Args::Args(const std::vector<std::string>& argv, const std::vector<std::string>& flags) {
    for (size_t i = 0; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        if (a.rfind("--", 0) == 0 && a.size() > 2) {
            std::string key = a.substr(2);
            const auto eq = key.find('=');
            if (eq != std::string::npos) {
                m_options.emplace(key.substr(0, eq), key.substr(eq + 1));
                continue;
            }
            const bool isFlag = std::find(flags.begin(), flags.end(), key) != flags.end();
            if (isFlag) {
                m_options.emplace(key, "1");
            } else {
                if (i + 1 >= argv.size())
                    throw ConfigError("option --" + key + " needs a value");
                m_options.emplace(key, argv[++i]);
            }
        } else {
            m_positional.push_back(a);
        }
    }
}

std::string Args::positionalAt(size_t i, const std::string& what) const {
    if (i >= m_positional.size())
        throw ConfigError("missing argument: " + what);
    return m_positional[i];
}

std::string Args::get(const std::string& key, const std::string& def) const {
    auto v = get(key);
    return v ? *v : def;
}

std::optional<std::string> Args::get(const std::string& key) const {
    auto it = m_options.find(key);
    if (it == m_options.end())
        return std::nullopt;
    return it->second;
}

int64_t Args::getInt(const std::string& key, int64_t def) const {
    auto v = get(key);
    if (!v)
        return def;
    try {
        size_t pos = 0;
        const long long x = std::stoll(*v, &pos);
        if (pos != v->size())
            throw std::invalid_argument("trailing");
        return x;
    } catch (const std::exception&) {
        throw ConfigError("option --" + key + " expects an integer, got '" + *v + "'");
    }
}

double Args::getDouble(const std::string& key, double def) const {
    auto v = get(key);
    if (!v)
        return def;
    try {
        size_t pos = 0;
        const double x = std::stod(*v, &pos);
        if (pos != v->size())
            throw std::invalid_argument("trailing");
        return x;
    } catch (const std::exception&) {
        throw ConfigError("option --" + key + " expects a number, got '" + *v + "'");
    }
}

std::vector<std::string> Args::getAll(const std::string& key) const {
    std::vector<std::string> out;
    auto range = m_options.equal_range(key);
    for (auto it = range.first; it != range.second; ++it)
        out.push_back(it->second);
    return out;
}

void Args::allowOnly(const std::vector<std::string>& known) const {
    for (const auto& [k, v] : m_options)
        if (std::find(known.begin(), known.end(), k) == known.end())
            throw ConfigError("unknown option --" + k);
}

// ---------------------------------------------------------------------------------------------

namespace {
JobContext* g_activeJob = nullptr;
extern "C" void onSignal(int) {
    if (g_activeJob)
        g_activeJob->requestCancel();
}
} // namespace

void Output::progress(double p, const std::string& status) {
    if (m_parent) {
        if (p >= 0)
            m_parent->setProgress(p);
        if (!status.empty())
            m_parent->setStatus(status);
        return;
    }
    JobEvent e;
    e.progress = p;
    if (p < 0) {
        e.kind = JobEvent::Kind::Status;
        e.text = status;
        event(e);
        return;
    }
    e.kind = JobEvent::Kind::Progress;
    event(e);
    if (!status.empty())
        this->status(status);
}

void Output::status(const std::string& s) {
    m_lastStatus = s;
    if (m_parent) {
        m_parent->setStatus(s);
        return;
    }
    JobEvent e;
    e.kind = JobEvent::Kind::Status;
    e.text = s;
    event(e);
}

void Output::result(const nlohmann::json& r) {
    if (m_parent) {
        m_result = r;
        return;
    }
    if (m_json) {
        nlohmann::json j = r;
        j["event"] = "result";
        std::cout << j.dump() << std::endl;
    } else {
        std::cout << r.dump(2) << std::endl;
    }
}

void Output::text(const std::string& s) {
    if (!m_json && !m_parent)
        std::cout << s << std::flush;
}

void Output::event(const JobEvent& e) {
    if (e.kind == JobEvent::Kind::Status && !e.text.empty())
        m_lastStatus = (e.node.empty() ? "" : e.node + ": ") + e.text;
    // One JSON line per event with --json (core's wire form, job_event_json.h), else a line on stderr.
    if (e.kind == JobEvent::Kind::Progress) {
        // Throttle to 0.1 % steps so a fast loop does not flood the pipe (node events always pass).
        if (e.node.empty() && e.progress < 1.0 && m_lastProgress >= 0 && e.progress - m_lastProgress < 0.001 &&
            e.progress >= m_lastProgress)
            return;
        m_lastProgress = e.progress;
    }
    if (m_json) {
        std::cout << toJson(e).dump() << std::endl;
    } else if (e.kind == JobEvent::Kind::Output) {
        std::cout << e.text << std::flush;
    } else {
        const std::string line = describe(e);
        if (!line.empty())
            std::cerr << line << std::endl;
    }
}

std::string outOfMemoryAdvice(const std::string& command) {
    if (command == "quantize" || command == "prune" || command == "analyze")
        return "add --offload (one layer at a time on the device), use fewer --calib-samples or a shorter --calib-length, "
               "or --batch 1";
    if (command == "eval" || command == "perplexity" || command == "kl")
        return "use --batch 1 or a shorter context (the fp32 logits of a batch grow with batch × context × vocabulary)";
    if (command == "lora" || command == "distill")
        return "use --batch 1 with --grad-accum, a shorter --seq-len, a smaller --rank, or train QLoRA on an NF4-quantized base";
    if (command == "generate" || command == "bench")
        return "use a shorter prompt / --gen-len, --batch 1, or a quantized variant";
    if (command == "run")
        return "give the failing node --offload, a smaller batch or a shorter context (slimbench-cli estimate shows what fits)";
    return "use a smaller batch or context, --offload where the command has it, or another device";
}

std::string outOfMemoryMessage(const std::string& command, const std::string& step, const std::string& torchMessage) {
    std::string first = torchMessage.substr(0, torchMessage.find('\n'));
    // LibTorch: "CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of ..."
    if (first.size() > 400) {
        first.resize(400);
        first += "...";
    }
    std::string out = "out of device memory";
    if (!step.empty())
        out += " during '" + step + "'";
    out += ": " + first + " — " + outOfMemoryAdvice(command);
    out += "; `slimbench-cli estimate MODEL_DIR --job ...` tells beforehand what fits";
    return out;
}

JobContext Output::jobContext() {
    if (m_parent)
        return *m_parent;
    static JobContext ctx(JobContext::EventSink([this](const JobEvent& e) { event(e); }));
    g_activeJob = &ctx;
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    return ctx;
}

at::Device parseDevice(const Args& a) {
    const std::string d = a.get("device", "cpu");
    if (d == "cpu")
        return at::kCPU;
    if (d.rfind("cuda", 0) == 0) {
        if (!at::hasCUDA())
            throw UnsupportedError("--device " + d + ": this build of Slimbench / LibTorch has no CUDA support "
                                   "or no CUDA device is visible; use --device cpu");
        return at::Device(d);
    }
    throw ConfigError("--device must be cpu or cuda[:N], got '" + d + "'");
}

std::optional<at::ScalarType> parseDtype(const Args& a) {
    const std::string d = a.get("dtype", "auto");
    if (d == "auto")
        return std::nullopt;
    if (d == "fp32" || d == "float32")
        return at::kFloat;
    if (d == "bf16" || d == "bfloat16")
        return at::kBFloat16;
    if (d == "fp16" || d == "float16")
        return at::kHalf;
    throw ConfigError("--dtype must be auto, fp32, bf16 or fp16, got '" + d + "'");
}

std::string deviceName(const at::Device& d) {
    if (d.is_cpu()) {
        std::string model = "cpu";
        FILE* f = std::fopen("/proc/cpuinfo", "r");
        if (f) {
            char line[512];
            while (std::fgets(line, sizeof line, f)) {
                std::string s(line);
                if (s.rfind("model name", 0) == 0) {
                    model = "cpu (" + s.substr(s.find(':') + 2);
                    model.pop_back();
                    model += ")";
                    break;
                }
            }
            std::fclose(f);
        }
        return model;
    }
    return d.str();
}

void setupThreads(const Args& a) {
    const int64_t n = a.getInt("threads", static_cast<int64_t>(std::max(1u, std::thread::hardware_concurrency())));
    at::set_num_threads(static_cast<int>(n));
}

void synchronize(const at::Device& d) {
    if (d.is_cuda())
        (void)at::zeros({1}, at::TensorOptions().device(d)).item<float>();  // waits for the stream
}

} // namespace slim::cli
