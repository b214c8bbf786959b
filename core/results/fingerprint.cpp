#include "core/results/fingerprint.h"

#include "core/analysis/file_hash.h"
#include "core/common/job_context.h"
#include "core/io/atomic_file.h"
#include "core/io/checkpoint.h"
#include "core/io/dtype.h"
#include "core/io/strict_json.h"

namespace slim::results {

namespace {

std::string indexText(const io::Checkpoint& ck) {
    std::string s;
    for (const auto& name : ck.names()) {   // sorted
        const auto& info = ck.info(name);
        s += name;
        s += ' ';
        s += io::traits(info.dtype).name;
        s += ' ';
        for (size_t i = 0; i < info.shape.size(); ++i)
            s += (i ? "," : "") + std::to_string(info.shape[i]);
        s += '\n';
    }
    return s;
}

} // namespace

std::string modelFingerprint(const std::filesystem::path& dir) {
    const auto configPath = dir / "config.json";
    const nlohmann::json config = io::parseJsonStrict(io::readTextFile(configPath), configPath.string());
    const auto ck = io::Checkpoint::open(dir);
    analysis::Sha256 h;
    h.update("slimbench-fingerprint-v1\n");
    h.update(config.dump());   // nlohmann objects keep keys sorted: canonical
    h.update("\n");
    h.update(indexText(ck));
    return h.hexDigest();
}

std::string weightsFingerprint(const std::filesystem::path& dir, const JobContext& ctx) {
    const auto ck = io::Checkpoint::open(dir);
    analysis::Sha256 h;
    h.update(modelFingerprint(dir));
    const auto names = ck.names();
    for (size_t i = 0; i < names.size(); ++i) {
        ctx.checkCancel();
        const auto& info = ck.info(names[i]);
        const auto bytes = ck.fileOf(names[i]).raw(info);
        h.update(bytes.data(), bytes.size());
        ctx.setProgress(double(i + 1) / double(names.size()));
    }
    return h.hexDigest();
}

} // namespace slim::results
