#include "core/quant/gptq.h"

#include "core/analysis/hessian.h"
#include "core/analysis/obs_block.h"
#include "core/common/errors.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

namespace slim::quant {

GptqResult gptqQuantize(const at::Tensor& w, const at::Tensor& Hin, const GptqOptions& o, const char* what) {
    at::NoGradGuard noGrad;
    const IntSpec& spec = o.spec;
    at::Tensor W = w.to(at::kFloat).clone();
    const int64_t rows = W.size(0), columns = W.size(1), maxq = spec.maxq();
    const int64_t gs = spec.groupSize; // 0 = per channel
    const int64_t G = spec.groupsOf(columns);
    GptqResult r;
    r.q.spec = spec;
    r.q.scales = at::empty({G, rows}, W.options());
    r.q.zeros = at::empty({G, rows}, W.options());

    // Per-channel parameters come from the whole (unmodified) matrix, before dead columns are zeroed.
    RowParams current;
    if (gs == 0) {
        current = findParams(W, spec);
        r.q.scales.select(0, 0).copy_(current.scale);
        r.q.zeros.select(0, 0).copy_(current.zero);
    }
    at::Tensor H = Hin.to(W.device(), at::kFloat).clone();
    const at::Tensor dead = H.diagonal().eq(0);
    H.diagonal().masked_fill_(dead, 1.0);
    W.index_put_({at::indexing::Slice(), dead}, 0.0);

    std::vector<RowParams> groups;
    if (gs > 0 && o.staticGroups)
        for (int64_t g = 0; g < G; ++g) {
            const int64_t c0 = g * gs;
            groups.push_back(findParams(W.narrow(1, c0, std::min(gs, columns - c0)), spec));
            r.q.scales.select(0, g).copy_(groups.back().scale);
            r.q.zeros.select(0, g).copy_(groups.back().zero);
        }
    at::Tensor perm, invperm;
    if (o.actOrder) {
        perm = at::argsort(H.diagonal(), /*dim=*/0, /*descending=*/true);
        W = W.index_select(1, perm);
        H = H.index_select(0, perm).index_select(1, perm);
        invperm = at::argsort(perm);
    }
    const auto ih = analysis::inverseHessianUpper(H, o.percdamp, what);
    r.percdamp = ih.usedPercdamp;
    const at::Tensor& Hinv = ih.hinvUpper;
    std::vector<int64_t> permv;
    if (o.actOrder) {
        const at::Tensor pc = perm.cpu();
        permv.assign(pc.data_ptr<int64_t>(), pc.data_ptr<int64_t>() + columns);
    }
    at::Tensor codes = at::empty({rows, columns}, W.options());
    at::Tensor colGroup = at::empty({columns}, at::kLong); // group of each processed (permuted) column
    auto colGroupA = colGroup.accessor<int64_t, 1>();
    double loss = 0.0;
    // The quantization group of column `col` (permuted order), its parameters computed when the column
    // opens a group (from W, which the block's own updates do not touch: the references' find_params).
    auto paramsOf = [&](int64_t col) -> int64_t {
        int64_t g = 0;
        if (gs > 0) {
            if (!o.staticGroups) {
                g = col / gs;
                if (col % gs == 0) {
                    current = findParams(W.narrow(1, col, std::min(gs, columns - col)), spec);
                    r.q.scales.select(0, g).copy_(current.scale);
                    r.q.zeros.select(0, g).copy_(current.zero);
                }
            } else {
                g = (o.actOrder ? permv[size_t(col)] : col) / gs;
                current = groups[size_t(g)];
            }
        }
        colGroupA[col] = g;
        return g;
    };
    const bool fused = analysis::fusedObsEnabled(W.device(), o.blockSize);
    for (int64_t i1 = 0; i1 < columns; i1 += o.blockSize) {
        const int64_t i2 = std::min(i1 + o.blockSize, columns), count = i2 - i1;
        at::Tensor W1 = W.narrow(1, i1, count).clone();
        at::Tensor C1 = at::empty({rows, count}, W.options());
        at::Tensor Err1 = at::empty({rows, count}, W.options());
        at::Tensor L1 = at::zeros({rows}, W.options());
        const at::Tensor Hinv1 = Hinv.narrow(0, i1, count).narrow(1, i1, count);
        if (fused) {
            // One pass per row (core/analysis/obs_block.h) with the block's groups stacked.
            std::vector<int32_t> local(static_cast<size_t>(count));
            std::vector<at::Tensor> sc, zr;
            int64_t lastGroup = -1;
            for (int64_t i = 0; i < count; ++i) {
                const int64_t g = paramsOf(i1 + i);
                if (sc.empty() || g != lastGroup) {   // a group that opens here has a new index
                    sc.push_back(current.scale.to(at::kFloat));
                    zr.push_back(current.zero.to(at::kFloat));
                    lastGroup = g;
                }
                local[size_t(i)] = int32_t(sc.size() - 1);
            }
            analysis::ObsBlock ob{W1, Hinv1.contiguous(), Err1};
            analysis::gptqBlock(ob, at::stack(sc), at::stack(zr), local, maxq, C1, L1);
        } else {
            for (int64_t i = 0; i < count; ++i) {
                (void)paramsOf(i1 + i);
                const at::Tensor wc = W1.select(1, i);
                const at::Tensor d = Hinv1[i][i];
                const at::Tensor c = at::clamp(at::round(wc / current.scale) + current.zero, 0.0, double(maxq));
                const at::Tensor q = current.scale * (c - current.zero);
                C1.select(1, i).copy_(c);
                const at::Tensor err = (wc - q) / d;
                L1.add_((wc - q).pow(2) / d.pow(2) / 2.0);
                W1.narrow(1, i, count - i).sub_(err.unsqueeze(1).matmul(Hinv1.narrow(0, i, 1).narrow(1, i, count - i)));
                Err1.select(1, i).copy_(err);
            }
        }
        codes.narrow(1, i1, count).copy_(C1);
        loss += L1.sum().item<double>();
        if (i2 < columns)
            W.narrow(1, i2, columns - i2).sub_(Err1.matmul(Hinv.narrow(0, i1, count).narrow(1, i2, columns - i2)));
    }
    r.loss = loss;
    if (o.actOrder) {
        codes = codes.index_select(1, invperm.to(codes.device()));
        r.q.gIdx = colGroup.index_select(0, invperm.cpu()).to(at::kInt).to(W.device());
        if (o.staticGroups) // groups follow the original order: the index is column / group size
            r.q.gIdx = at::Tensor();
    }
    r.q.codes = codes.to(at::kByte);
    return r;
}

} // namespace slim::quant
