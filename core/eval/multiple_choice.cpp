#include "core/eval/multiple_choice.h"
#include "core/eval/prefix_token.h"

#include "core/common/errors.h"
#include "core/common/job_context.h"
#include "core/model/llama_model.h"
#include "core/tokenizer/tokenizer.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

namespace slim::eval {

namespace {

int64_t utf8Length(const std::string& s) {
    int64_t n = 0;
    for (unsigned char c : s)
        n += (c & 0xC0) != 0x80;
    return n;
}

/// mean and the harness's mean_stderr (sample sd / sqrt(n)).
std::pair<double, double> meanStderr(const std::vector<double>& x) {
    const double n = static_cast<double>(x.size());
    if (x.empty())
        return {0.0, 0.0};
    const double mean = std::accumulate(x.begin(), x.end(), 0.0) / n;
    if (x.size() < 2)
        return {mean, 0.0};
    double ss = 0;
    for (double v : x)
        ss += (v - mean) * (v - mean);
    return {mean, std::sqrt(ss / (n - 1.0)) / std::sqrt(n)};
}

int argmax(const std::vector<double>& v) {
    return static_cast<int>(std::max_element(v.begin(), v.end()) - v.begin());   // first maximum
}

} // namespace

LoglikelihoodRequest encodePair(const tok::Tokenizer& tok, std::string context, std::string continuation,
                                const McOptions& o) {
    const size_t keep = context.find_last_not_of(" \t\n\r\f\v");
    const size_t spaces = keep == std::string::npos ? context.size() : context.size() - keep - 1;
    if (spaces > 0) {
        continuation = context.substr(context.size() - spaces) + continuation;
        context.resize(context.size() - spaces);
    }
    LoglikelihoodRequest r;
    if (context.empty()) {
        r.context = {o.bosId};
        const auto c = tok.encode(continuation, false);
        r.continuation.assign(c.begin(), c.end());
        return r;
    }
    const auto whole = tok.encode(context + continuation, false);
    const auto ctx = tok.encode(context, false);
    if (o.bos)
        r.context.push_back(o.bosId);
    r.context.insert(r.context.end(), ctx.begin(), ctx.end());
    if (whole.size() > ctx.size())
        r.continuation.assign(whole.begin() + static_cast<long>(ctx.size()), whole.end());
    return r;
}

std::vector<std::pair<double, bool>> scoreLoglikelihoods(const model::LlamaModel& model,
                                                         const std::vector<LoglikelihoodRequest>& reqs,
                                                         int64_t maxLength, int64_t batchSize, const JobContext& ctx) {
    // Each request's model input: (context + continuation)[-(maxLength+1):][:-1].
    struct Prepared {
        std::vector<int64_t> ids;   // the trimmed whole sequence (input = all but the last)
        int64_t contLen = 0;
    };
    std::vector<Prepared> prep(reqs.size());
    for (size_t i = 0; i < reqs.size(); ++i) {
        auto& p = prep[i];
        p.ids = reqs[i].context;
        p.ids.insert(p.ids.end(), reqs[i].continuation.begin(), reqs[i].continuation.end());
        if (static_cast<int64_t>(p.ids.size()) > maxLength + 1)
            p.ids.erase(p.ids.begin(), p.ids.end() - (maxLength + 1));
        p.contLen = std::min<int64_t>(static_cast<int64_t>(reqs[i].continuation.size()),
                                      static_cast<int64_t>(p.ids.size()) - 1);
    }
    std::vector<size_t> order(prep.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return prep[a].ids.size() > prep[b].ids.size(); });
    int64_t bs = batchSize;
    if (bs <= 0) {
        const int64_t longest = prep.empty() ? 1 : static_cast<int64_t>(prep[order[0]].ids.size());
        const double perRow = static_cast<double>(longest) * static_cast<double>(model.config().vocabSize) * 4.0;
        bs = std::clamp<int64_t>(static_cast<int64_t>((512.0 * 1024 * 1024) / perRow), 1, 64);
    }
    std::vector<std::pair<double, bool>> out(reqs.size(), {0.0, true});
    at::InferenceMode guard;
    for (size_t i0 = 0; i0 < order.size(); i0 += static_cast<size_t>(bs)) {
        ctx.checkCancel();
        const size_t i1 = std::min(order.size(), i0 + static_cast<size_t>(bs));
        const int64_t B = static_cast<int64_t>(i1 - i0);
        int64_t T = 1;
        for (size_t k = i0; k < i1; ++k)
            T = std::max<int64_t>(T, static_cast<int64_t>(prep[order[k]].ids.size()) - 1);
        T = (T + 7) / 8 * 8;
        at::Tensor input = at::zeros({B, T}, at::kLong);
        auto ia = input.accessor<int64_t, 2>();
        std::vector<int64_t> rows, cols, targets, owner;
        for (int64_t b = 0; b < B; ++b) {
            const size_t r = order[i0 + static_cast<size_t>(b)];
            const auto& ids = prep[r].ids;
            const int64_t n = static_cast<int64_t>(ids.size());
            for (int64_t t = 0; t + 1 < n; ++t)
                ia[b][t] = ids[static_cast<size_t>(t)];
            for (int64_t p = n - 1 - prep[r].contLen; p < n - 1; ++p) {
                rows.push_back(b);
                cols.push_back(p);
                targets.push_back(ids[static_cast<size_t>(p + 1)]);
                owner.push_back(static_cast<int64_t>(r));
            }
        }
        if (rows.empty())
            continue;
        const at::Tensor logits = model.forward(input);   // (B, T, V) fp32
        const auto dev = logits.device();
        const at::Tensor sel = logits.index({at::tensor(rows, at::kLong).to(dev), at::tensor(cols, at::kLong).to(dev)});
        const at::Tensor logp = at::log_softmax(sel, -1);
        const at::Tensor tgt = at::tensor(targets, at::kLong).to(dev);
        const at::Tensor lp = logp.gather(-1, tgt.unsqueeze(-1)).squeeze(-1).to(at::kDouble).cpu();
        const at::Tensor greedy = (logp.argmax(-1) == tgt).cpu();
        const double* lpa = lp.data_ptr<double>();
        const bool* ga = greedy.data_ptr<bool>();
        for (size_t k = 0; k < owner.size(); ++k) {
            auto& o = out[static_cast<size_t>(owner[k])];
            o.first += lpa[k];
            o.second = o.second && ga[k];
        }
        ctx.setProgress(static_cast<double>(i1) / static_cast<double>(order.size()));
    }
    return out;
}

McResult evaluateMultipleChoice(const model::LlamaModel& model, const tok::Tokenizer& tok, const McTask& task,
                                const McOptions& o, const JobContext& ctx) {
    const auto t0 = std::chrono::steady_clock::now();
    requirePrefixToken(o.bosId, "multiple choice");
    McResult r;
    r.task = task.name;
    r.hasAccNorm = task.hasAccNorm;
    r.isMc2 = task.isMc2;
    const int64_t maxLength = o.maxLength > 0 ? o.maxLength : model.config().maxPositionEmbeddings;
    std::vector<LoglikelihoodRequest> reqs;
    std::vector<std::pair<size_t, size_t>> where;   // (doc, choice)
    ctx.setStatus(task.name + ": tokenizing " + std::to_string(task.docs.size()) + " documents");
    for (size_t d = 0; d < task.docs.size(); ++d) {
        const auto& doc = task.docs[d];
        for (size_t c = 0; c < doc.numChoices(); ++c) {
            reqs.push_back(encodePair(tok, doc.contextOf(c), doc.continuationOf(c), o));
            r.tokens += static_cast<int64_t>(reqs.back().context.size() + reqs.back().continuation.size());
            where.emplace_back(d, c);
        }
    }
    r.requests = static_cast<int64_t>(reqs.size());
    ctx.setStatus(task.name + ": scoring " + std::to_string(reqs.size()) + " continuations");
    const auto scores = scoreLoglikelihoods(model, reqs, maxLength, o.batchSize, ctx);

    r.docs.resize(task.docs.size());
    for (size_t i = 0; i < scores.size(); ++i) {
        auto& ds = r.docs[where[i].first];
        ds.loglikelihoods.push_back(scores[i].first);
        ds.greedy.push_back(scores[i].second);
    }
    std::vector<double> acc, accNorm, mc2;
    for (size_t d = 0; d < task.docs.size(); ++d) {
        const auto& doc = task.docs[d];
        auto& ds = r.docs[d];
        const auto& ll = ds.loglikelihoods;
        if (task.isMc2) {
            // Σ p(true) / Σ p(all); true answers come first (labels 1 then 0).
            const double top = *std::max_element(ll.begin(), ll.end());
            double pTrue = 0, pAll = 0;
            for (size_t c = 0; c < ll.size(); ++c) {
                const double p = std::exp(ll[c] - top);
                pAll += p;
                if (doc.labels[c] == 1)
                    pTrue += p;
            }
            ds.mc2 = pTrue / pAll;
            mc2.push_back(ds.mc2);
            ds.prediction = argmax(ll);
            ds.accuracy = doc.labels[static_cast<size_t>(ds.prediction)] == 1 ? 1.0 : 0.0;
        } else {
            ds.prediction = argmax(ll);
            ds.accuracy = ds.prediction == doc.gold ? 1.0 : 0.0;
            acc.push_back(ds.accuracy);
            if (task.hasAccNorm) {
                std::vector<double> norm(ll.size());
                for (size_t c = 0; c < ll.size(); ++c)
                    norm[c] = ll[c] / static_cast<double>(std::max<int64_t>(1, utf8Length(doc.choices[c])));
                ds.predictionNorm = argmax(norm);
                ds.accuracyNorm = ds.predictionNorm == doc.gold ? 1.0 : 0.0;
                accNorm.push_back(ds.accuracyNorm);
            }
        }
    }
    r.n = static_cast<int64_t>(task.docs.size());
    if (task.isMc2) {
        std::tie(r.mc2, r.mc2Stderr) = meanStderr(mc2);
    } else {
        std::tie(r.acc, r.accStderr) = meanStderr(acc);
        if (task.hasAccNorm)
            std::tie(r.accNorm, r.accNormStderr) = meanStderr(accNorm);
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

} // namespace slim::eval
