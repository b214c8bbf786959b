#include "core/model/layer_checkpoint.h"

#include "core/model/llama_model.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/custom_function.h>

#include <mutex>
#include <stdexcept>
#include <vector>

namespace slim::model {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

at::Tensor rngState(const at::Device& device) {
    at::Generator gen = at::globalContext().defaultGenerator(device);
    std::lock_guard<std::mutex> lock(gen.mutex());
    return gen.get_state();
}

void setRngState(const at::Device& device, const at::Tensor& state) {
    // The default generators are shared; set_state is how torch.utils.checkpoint restores them too.
    at::Generator gen = at::globalContext().defaultGenerator(device);
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(state);
}

std::vector<at::Tensor> trainableOf(const LlamaModel& model, int64_t layer) {
    std::vector<at::Tensor> out;
    for (const auto& p : model.layer(layer).proj)
        for (const auto& t : p->trainableParameters())
            if (t.requires_grad())
                out.push_back(t);
    return out;
}

/// The layer's other inputs: no gradients, and the mask may be undefined, so they travel beside the
/// autograd inputs (an undefined tensor cannot be one).
struct LayerArgs {
    const at::Tensor& cos;
    const at::Tensor& sin;
    const at::Tensor& mask;
};

struct LayerFunction : public torch::autograd::Function<LayerFunction> {
    /// `params`: the layer's trainable tensors (LoRA A and B).  They are inputs so that the output
    /// joins the graph even when x needs no gradient (the first layer's input).
    static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, at::TensorList params, const LayerArgs* args,
                              const LlamaModel* model, int64_t layer) {
        ctx->saved_data["params"] = static_cast<int64_t>(params.size());
        const at::Tensor &cos = args->cos, &sin = args->sin, &mask = args->mask;
        ctx->saved_data["model"] = reinterpret_cast<int64_t>(model);
        ctx->saved_data["layer"] = layer;
        ctx->saved_data["cos"] = cos;
        ctx->saved_data["sin"] = sin;
        if (mask.defined())
            ctx->saved_data["mask"] = mask;
        ctx->saved_data["rng"] = rngState(x.device());
        ctx->save_for_backward({x});
        // Autograd does not record inside a custom function's forward: no activations are kept.
        return model->runLayer(layer, x, cos, sin, mask, nullptr, nullptr);
    }

    static variable_list backward(AutogradContext* ctx, variable_list grads) {
        const auto* model = reinterpret_cast<const LlamaModel*>(ctx->saved_data["model"].toInt());
        const int64_t layer = ctx->saved_data["layer"].toInt();
        const at::Tensor x = ctx->get_saved_variables()[0].detach().requires_grad_(true);
        const at::Tensor cos = ctx->saved_data["cos"].toTensor(), sin = ctx->saved_data["sin"].toTensor();
        const auto m = ctx->saved_data.find("mask");
        const at::Tensor maskIn = m != ctx->saved_data.end() ? m->second.toTensor() : at::Tensor();
        // Replay with the forward's random state, then put the current state back.
        const at::Tensor now = rngState(x.device());
        setRngState(x.device(), ctx->saved_data["rng"].toTensor());
        at::Tensor y;
        {
            at::AutoGradMode enable(true);
            y = model->runLayer(layer, x, cos, sin, maskIn, nullptr, nullptr);
        }
        setRngState(x.device(), now);
        variable_list inputs{x};
        for (const auto& t : trainableOf(*model, layer))
            inputs.push_back(t);
        if (static_cast<int64_t>(inputs.size()) != ctx->saved_data["params"].toInt() + 1)
            throw std::logic_error("gradient checkpointing: the layer's trainable tensors changed between forward and backward");
        variable_list out = torch::autograd::grad({y}, inputs, {grads[0]}, /*retain_graph=*/false, /*create_graph=*/false,
                                                  /*allow_unused=*/true);
        out.resize(out.size() + 3);   // args, model, layer: no gradients
        return out;
    }
};

} // namespace

at::Tensor checkpointedLayer(const LlamaModel& model, int64_t layer, const at::Tensor& x, const at::Tensor& cos,
                             const at::Tensor& sin, const at::Tensor& mask) {
    const LayerArgs args{cos, sin, mask};
    const std::vector<at::Tensor> params = trainableOf(model, layer);
    return LayerFunction::apply(x, at::TensorList(params), &args, &model, layer);
}

} // namespace slim::model
