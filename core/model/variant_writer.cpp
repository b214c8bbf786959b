#include "core/model/variant_writer.h"

#include "core/common/errors.h"
#include "core/common/job_context.h"
#include "core/io/atomic_file.h"
#include "core/io/strict_json.h"
#include "core/model/llama_model.h"
#include "core/results/fingerprint.h"

#include <ctime>

namespace fs = std::filesystem;

namespace slim::model {


nlohmann::json readProvenance(const fs::path& dir) {
    const fs::path p = dir / kProvenanceFile;
    if (!fs::is_regular_file(p))
        return {{"parent", nullptr}, {"steps", nlohmann::json::array()}};
    nlohmann::json j = io::parseJsonStrict(io::readTextFile(p), p.string());
    if (!j.is_object() || !j.contains("steps") || !j.at("steps").is_array())
        throw FormatError(p.string(), "expected an object with a \"steps\" array");
    return j;
}

VariantWriter::VariantWriter(fs::path parentDir, fs::path outDir)
    : m_parent(fs::absolute(std::move(parentDir)).lexically_normal()), m_folder(std::move(outDir)) {
    std::error_code ec;
    if (m_parent == m_folder.target() || fs::equivalent(m_parent, m_folder.target().parent_path(), ec))
        throw ConfigError(m_folder.target().string() + ": the output folder must not be the model folder or inside it");
}

void VariantWriter::writeModel(const LlamaModel& model, std::optional<at::ScalarType> storeDtype) {
    model.save(m_folder.staging(), storeDtype);
}

void VariantWriter::commit(nlohmann::json step, const JobContext* ctx) {
    const fs::path& s = m_folder.staging();
    for (const char* f :
         {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json"}) {
        std::error_code ec;
        if (fs::is_regular_file(m_parent / f) && !fs::exists(s / f))
            fs::copy_file(m_parent / f, s / f, ec);
        if (ec)
            throw IoError((s / f).string() + ": cannot copy from the parent: " + ec.message());
    }
    const nlohmann::json parentProv = readProvenance(m_parent);
    nlohmann::json steps = parentProv.at("steps");
    step["created_at"] = io::utcTimestamp();
    steps.push_back(step);
    // The root of the chain: the first uncompressed ancestor.
    const nlohmann::json parent = {{"path", m_parent.string()}, {"fingerprint", results::modelFingerprint(m_parent)}};
    const nlohmann::json root = parentProv.contains("root") ? parentProv.at("root") : parent;
    const nlohmann::json prov = {
        {"format", "slimbench-provenance"},
        {"version", 1},
        {"parent", parent},
        {"root", root},
        {"steps", steps}};
    io::writeFileAtomic(s / kProvenanceFile, prov.dump(2) + "\n");
    m_folder.commit({{"kind", "model"}, {"method", step.value("method", "")}});
    if (ctx)
        ctx->artifact("model", m_folder.target().string());
}

} // namespace slim::model
