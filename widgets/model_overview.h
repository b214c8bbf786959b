#pragma once
/// @file model_overview.h
/// What the GUI shows of a checkpoint folder before any weight is loaded: the architecture tree
/// (model -> embeddings / layers -> layer i -> self_attn / mlp / norms -> final norm / lm_head)
/// with shapes, dtypes, parameter counts and bytes, and a summary of config.json.
/// Built from the safetensors headers and config.json only, so it is fast even for 70B models.

#include <QMap>
#include <QString>
#include <QVector>

#include <array>
#include <vector>

namespace slim::widgets {

/// One row of the architecture tree.  Leaves are tensors; groups sum their children.
struct TensorNode {
    QString name;             ///< "q_proj", "layer 3", "weight"
    QString tensorName;       ///< full checkpoint name of a leaf ("model.layers.3.self_attn.q_proj.weight")
    QVector<qint64> shape;    ///< leaves only
    QString dtype;            ///< leaves: "BF16"; groups: the distinct dtypes below, comma-separated
    qint64 parameters = 0;
    qint64 bytes = 0;
    QString note;             ///< e.g. "tied to embed_tokens"
    std::vector<TensorNode> children;

    bool isLeaf() const { return !tensorName.isEmpty(); }
    /// Find a descendant by its path of names ("layers/layer 0/self_attn/q_proj"); nullptr if absent.
    const TensorNode* find(const QString& path) const;
};

/// Parameter share of the parts of a decoder model (for the summary chart).
enum class Component { Embeddings, Attention, Mlp, Norms, LmHead, Other };
inline constexpr int kNumComponents = 6;

struct ModelOverview {
    QString dir;
    QString displayName;      ///< folder name
    // From config.json.
    QString architecture;     ///< "LlamaForCausalLM"
    QString modelType;        ///< "llama"
    QString torchDtype;
    qint64 numLayers = 0;
    qint64 hiddenSize = 0;
    qint64 intermediateSize = 0;
    qint64 numHeads = 0;
    qint64 numKvHeads = 0;
    qint64 headDim = 0;
    qint64 vocabSize = 0;
    qint64 maxPositionEmbeddings = 0;
    double ropeTheta = 0.0;
    bool tiedEmbeddings = false;
    // From the safetensors headers.
    qint64 totalParameters = 0;
    qint64 totalBytes = 0;
    int numShards = 0;
    QMap<QString, qint64> bytesByDType;   ///< "BF16" -> bytes
    std::array<qint64, kNumComponents> parametersByComponent{};
    bool hasTokenizer = false;            ///< tokenizer.json present (needed for generation)
    TensorNode root;

    /// Read config.json and the checkpoint headers of `dir`, validate them against each other and
    /// build the tree.  Throws slim::Error (FormatError, ConfigError, IoError...) naming the file
    /// and the rule; nothing is loaded or allocated for the weights.
    static ModelOverview read(const QString& dir);
};

/// "4096 × 11008"; "scalar" for rank 0.
QString formatShape(const QVector<qint64>& shape);

} // namespace slim::widgets
