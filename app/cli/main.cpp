// slimbench-cli: the command-line face of the Slimbench core (links core only, no Qt).
#include "core/cpu/huge_pages.h"
#include "app/cli/cli_common.h"
#include "app/cli/commands.h"

#include "core/common/errors.h"

#include <c10/util/Exception.h>

#include <cstring>
#include <iostream>

using namespace slim::cli;

namespace {

const Command kCommands[] = {
    {"info", "info MODEL_DIR", "architecture, sizes, parameter count and bytes by dtype", cmdInfo},
    {"tokenize", "tokenize TOKENIZER --text TEXT [--no-special]", "token ids of a text", cmdTokenize},
    {"logits", "logits MODEL_DIR --prompt TEXT [--top-k K]", "NLL of a prompt and the top-k next tokens", cmdLogits},
    {"generate", "generate MODEL_DIR --prompt TEXT --max-new-tokens N [--temperature T] [--top-p P] [--seed S] [--stop-at-eos]",
     "generate text (T = 0: greedy)", cmdGenerate},
    {"perplexity", "perplexity MODEL_DIR --text FILE --context N [--max-tokens M] [--stride S] [--bos-per-window] [--batch B]",
     "token perplexity (GPTQ style by default)", cmdPerplexity},
    {"eval", "eval MODEL_DIR --task NAME:FILE[:options] [--task ...] [--db PATH] [--notes TEXT]   (NAME: ppl, wikitext, ppl-llamacpp, hellaswag, arc_easy, arc_challenge, piqa, openbookqa, boolq, winogrande, truthfulqa_mc2)",
     "quality: token / word / byte / llama.cpp perplexity and zero-shot multiple choice, every setting stated", cmdEval},
    {"kl", "kl BASE_DIR VARIANT_DIR --text FILE [--context N] [--max-tokens M] [--bos-per-window] [--batch B] [--variant-dtype D]",
     "KL(base || variant) per token, top-1 agreement, delta p of the correct token", cmdKl},
    {"results", "results list|show ID|export FILE.json|FILE.csv|import FILE.json|delete ID [--db PATH] [--task T] [--kind K] [--model NAME] [--limit N]",
     "result records in the SQLite store (default: next to the demo model)", cmdResults},
    {"report", "report [--db PATH] [--run ID|NAME ...] [--model NAME] [--task TASK] [--base LABEL] --out FILE.md|.csv|.json|.pdf [--format md|csv|json|pdf] [--paper a4|letter]",
     "the variants compared: tables with standard errors, memory, speed, energy, the pipeline and its settings (PDF: with charts)", cmdReport},
    {"devices", "devices", "the CPU and the CUDA GPUs this build can use: memory total / free, compute capability, dtypes", cmdDevices},
    {"estimate", "estimate MODEL_DIR --job generate|eval|lora|qlora|distill|gptq|awq|sparsegpt|wanda|rtn|hqq|nf4 [--device D] [--dtype T] [--context N] [--new-tokens N] [--batch B] [--samples N] [--rank R] [--offload] [--available BYTES]",
     "will it fit? device memory by component (weights, KV cache, activations, adapters, Hessians) against the free memory", cmdEstimate},
    {"paths", "paths", "where this installation finds its data, example pipelines, demo model, workspace, results and GUI", cmdPaths},
    {"bench", "bench MODEL_DIR [--prompt-len N] [--gen-len N] [--batch B,B] [--reps R] [--ppl-context N] [--ppl-windows N] [--ppl-batch B] [--bandwidth BYTES_PER_S] [--db PATH]",
     "prefill / decode / perplexity throughput, time to first token, KV-cache and peak memory, energy\n"
     "      (defaults: GPU prompt 128, 128 new tokens, batch 1,8, 8 x 2048-token windows; CPU prompt 64, 32 new, batch 1, 2 x 512)", cmdBench},
    {"analyze", "analyze MODEL_DIR [--calib FILE] [--samples N] [--length L] [--seed S] [--calib-mode random|sequential] [--batch B] [--all-tokens] [--block-size n|--fraction f] [--similarity] [--weights [--bins B] [--hist-range LO:HI] [--group-by layer|kind]] [--activations [--outlier-threshold T]]",
     "layer similarity (PruneMe/ShortGPT), weight and activation statistics", cmdAnalyze},
    {"prune", "prune sparse MODEL_DIR --method magnitude|wanda|sparsegpt (--sparsity R | --pattern N:M) [--calib FILE --calib-samples N --calib-length L --calib-mode random|sequential --seed S] [--true-sequential] [--offload] [--tf32] [--batch B] [--percdamp D] [--blocksize B] [--store dense|compressed] --out DIR\n"
               "  prune depth MODEL_DIR (--layers 3,4,5 | --criterion angular|bi|ppl|taylor --count N) [calibration options] [--keep-first K] [--keep-last K] --out DIR\n"
               "  prune width MODEL_DIR --ratio R --importance l1|l2|taylor|param-mix [--layer-range A:B] [--no-attention] [--no-mlp] [calibration options] --out DIR",
     "write a pruned variant: unstructured / N:M sparsity, or whole layers removed (0-based)", cmdPrune},
    {"quantize", "quantize MODEL_DIR --method rtn|gptq|awq|hqq|nf4 [--bits 8|4|3|2] [--group 32|64|128|-1] [--sym] [--act-order] [--static-groups] [--true-sequential] [--percdamp D] [--blocksize B] [--double-quant] [--awq-grid N] [--no-clip] [--lm-head] [--calib FILE --calib-samples N --calib-length L --calib-mode random|sequential --seed S] [--offload] [--tf32] [--batch B] --out DIR",
     "write a weight-quantized variant, stored packed (GPTQ layout, NF4 as bitsandbytes)", cmdQuantize},
    {"export", "export MODEL_DIR --format gguf[:f16|q8_0|q4_0|q4_k]|gptq|hf --out PATH [--name NAME]",
     "write a GGUF file for llama.cpp, a GPTQ-layout checkpoint, or de-quantized HF safetensors", cmdExport},
    {"lora", "lora train MODEL_DIR --data FILE [--data-format text|alpaca] [--rank 8] [--alpha 16] [--dropout 0.05] [--targets q,k,v,o,gate,up,down] [--steps N] [--lr 1e-4] [--batch 4] [--grad-accum 4] [--seq-len 256] [--warmup N] [--eval-samples 32] [--eval-every N] [--save-every N] [--resume] [--gradient-checkpointing] [--seed S] --out ADAPTER_DIR\n"
              "  lora merge MODEL_DIR ADAPTER_DIR [--requantize] --out DIR   (a quantized base: merged into its de-quantized weights, re-quantized with --requantize)",
     "LoRA recovery training (PEFT adapter layout) and merging the adapter into the model", cmdLora},
    {"distill", "distill --teacher DIR --student DIR --data FILE [--alpha-kd 0.5] [--temperature 1] [--teacher-top-k K] [lora train options] --out DIR",
     "knowledge distillation into LoRA adapters of the student, written merged (+ adapter/)", cmdDistill},
    {"run", "run PIPELINE.json [--set NODE.PARAM=VALUE ...] [--device cpu|cuda] [--dtype D] [--db PATH] [--workspace DIR] [--resume]",
     "run a pipeline: every node's output cached in the workspace by its inputs and settings (a re-run resumes)", cmdRun},
    {"pipeline", "pipeline check PIPELINE.json [--set NODE.PARAM=VALUE ...] | pipeline types",
     "validate a pipeline (the normalised graph with every parameter, in run order), or list the node types and their parameters", cmdPipeline},
    {"train-demo", "train-demo [--out DIR] [--force] [--corpus FILE] [--steps N] [--batch B] [--context N] [--lr LR] [--vocab V] [--threads N] [--seed S]",
     "train the built-in demo model (reused once trained)", cmdTrainDemo},
};

void printUsage(std::ostream& os) {
    os << "usage: slimbench-cli COMMAND [ARGS] [--json] [--device cpu|cuda] [--dtype auto|fp32|bf16|fp16]\n\n"
          "commands:\n";
    for (const auto& c : kCommands)
        os << "  " << c.usage << "\n      " << c.help << "\n";
    os << "\nexit codes: 0 ok, 1 error, 2 cancelled\n";
}

} // namespace

int main(int argc, char** argv) {
    slim::cpu::passiveOpenMpWait(argv);
    slim::cpu::configureAllocator();
    if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "help")) {
        printUsage(argc < 2 ? std::cerr : std::cout);
        return argc < 2 ? 1 : 0;
    }
    std::vector<std::string> args(argv + 2, argv + argc);
    bool json = false;
    for (const auto& a : args)
        if (a == "--json")
            json = true;
    Output out(json);
    const std::string name = argv[1];
    for (const auto& c : kCommands) {
        if (name != c.name)
            continue;
        auto report = [&](const char* kind, const std::string& message, int code) {
            std::cerr << "slimbench-cli " << name << ": " << (code == 2 ? "cancelled" : "error: " + message) << std::endl;
            if (json)
                std::cout << nlohmann::json{{"event", "error"}, {"kind", kind}, {"message", message}}.dump() << std::endl;
            return code;
        };
        try {
            return c.fn(args, out);
        } catch (const slim::Error& e) {
            return report(e.kind(), e.what(), e.exitCode());
        } catch (const c10::OutOfMemoryError& e) {
            // The job ends with what it was doing, what it wanted and what to change; the GUI shows it.
            return report("out-of-memory", outOfMemoryMessage(name, out.lastStatus(), e.what_without_backtrace()), 1);
        } catch (const c10::Error& e) {
            return report("torch", e.what_without_backtrace(), 1);
        } catch (const std::bad_alloc&) {
            return report("out-of-memory", "out of host memory", 1);
        } catch (const std::exception& e) {
            return report("internal", e.what(), 1);
        }
    }
    std::cerr << "slimbench-cli: unknown command '" << name << "'\n\n";
    printUsage(std::cerr);
    return 1;
}
