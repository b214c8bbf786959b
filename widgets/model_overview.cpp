#include "widgets/torch_include.h"

#include "widgets/model_overview.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QLocale>
#include <QStringList>

#include <set>
#include <string>

namespace slim::widgets {

namespace {

using io::Checkpoint;
using model::Proj;

QString qstr(std::string_view s) { return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size())); }

QString dtypeName(io::DType t) { return qstr(io::traits(t).name); }

/// Tracks which checkpoint tensors the tree shows, so the rest can be listed under "other".
struct Builder {
    const Checkpoint& ckpt;
    std::set<std::string> used;
    std::array<qint64, kNumComponents>& byComponent;

    TensorNode leaf(const std::string& tensor, const QString& name, Component component)
    {
        const io::TensorInfo& info = ckpt.info(tensor);
        used.insert(tensor);
        TensorNode n;
        n.name = name;
        n.tensorName = QString::fromStdString(tensor);
        n.shape = QVector<qint64>(info.shape.begin(), info.shape.end());
        n.dtype = dtypeName(info.dtype);
        n.parameters = info.numel();
        n.bytes = static_cast<qint64>(info.byteSize());
        byComponent[static_cast<int>(component)] += n.parameters;
        return n;
    }

    /// A projection: a leaf for the weight alone, or a group of weight + bias.
    TensorNode projection(int64_t layer, Proj p, Component component)
    {
        const std::string prefix = model::projPrefix(layer, p);
        const QString name = qstr(model::projName(p));
        if (!ckpt.contains(prefix + ".bias"))
            return leaf(prefix + ".weight", name, component);
        TensorNode g;
        g.name = name;
        g.children.push_back(leaf(prefix + ".weight", QStringLiteral("weight"), component));
        g.children.push_back(leaf(prefix + ".bias", QStringLiteral("bias"), component));
        return g;
    }
};

/// Groups sum their children; their dtype lists the distinct dtypes below in first-seen order.
void summarize(TensorNode& node)
{
    if (node.isLeaf() || node.children.empty())
        return;
    node.parameters = 0;
    node.bytes = 0;
    QStringList dtypes;
    for (TensorNode& c : node.children) {
        summarize(c);
        node.parameters += c.parameters;
        node.bytes += c.bytes;
        for (const QString& d : c.dtype.split(QStringLiteral(", "), Qt::SkipEmptyParts))
            if (!dtypes.contains(d))
                dtypes << d;
    }
    node.dtype = dtypes.join(QStringLiteral(", "));
}

TensorNode group(const QString& name) { TensorNode g; g.name = name; return g; }

} // namespace

const TensorNode* TensorNode::find(const QString& path) const
{
    const TensorNode* node = this;
    for (const QString& part : path.split(QLatin1Char('/'), Qt::SkipEmptyParts)) {
        const TensorNode* next = nullptr;
        for (const TensorNode& c : node->children)
            if (c.name == part) { next = &c; break; }
        if (!next)
            return nullptr;
        node = next;
    }
    return node;
}

QString formatShape(const QVector<qint64>& shape)
{
    if (shape.isEmpty())
        return QCoreApplication::translate("ModelOverview", "scalar");
    QStringList dims;
    for (qint64 d : shape)
        dims << QString::number(d);
    return dims.join(QStringLiteral(" × "));
}

ModelOverview ModelOverview::read(const QString& dirPath)
{
    const QFileInfo dirInfo(dirPath);
    if (!dirInfo.exists())
        throw IoError(dirPath.toStdString() + ": the folder does not exist");
    if (!dirInfo.isDir())
        throw IoError(dirPath.toStdString() + ": not a folder (choose the folder holding config.json)");
    const std::filesystem::path dir = dirInfo.absoluteFilePath().toStdString();
    if (!QFileInfo::exists(QDir(dirInfo.absoluteFilePath()).filePath(QStringLiteral("config.json"))))
        throw FormatError(dir.string(), "no config.json: choose a Hugging Face checkpoint folder "
                                        "(config.json and *.safetensors)");

    const model::ModelConfig cfg = model::ModelConfig::load(dir / "config.json");
    const Checkpoint ckpt = Checkpoint::open(dir);
    // Names and shapes must match config.json before we describe anything (docs/input-validation.md).
    cfg.validateAgainst(ckpt);

    ModelOverview ov;
    ov.dir = dirInfo.absoluteFilePath();
    ov.displayName = dirInfo.fileName();
    ov.architecture = QString::fromStdString(cfg.architectureName.empty() ? model::toString(cfg.architecture)
                                                                          : cfg.architectureName);
    ov.modelType = QString::fromStdString(cfg.modelType);
    ov.torchDtype = QString::fromStdString(cfg.torchDtype);
    ov.numLayers = cfg.numLayers;
    ov.hiddenSize = cfg.hiddenSize;
    ov.intermediateSize = cfg.intermediateSize;
    ov.numHeads = cfg.numHeads;
    ov.numKvHeads = cfg.numKvHeads;
    ov.headDim = cfg.headDim;
    ov.vocabSize = cfg.vocabSize;
    ov.maxPositionEmbeddings = cfg.maxPositionEmbeddings;
    ov.ropeTheta = cfg.rope.theta;
    ov.tiedEmbeddings = cfg.tieWordEmbeddings;
    ov.numShards = static_cast<int>(ckpt.shards().size());
    for (const auto& [dtype, bytes] : ckpt.bytesByDType())
        ov.bytesByDType.insert(QString::fromStdString(dtype), static_cast<qint64>(bytes));
    ov.hasTokenizer = QFileInfo::exists(QDir(ov.dir).filePath(QStringLiteral("tokenizer.json")));

    Builder b{ckpt, {}, ov.parametersByComponent};
    TensorNode& root = ov.root;
    root.name = QStringLiteral("model");

    root.children.push_back(b.leaf(std::string(model::kEmbedTokens), QStringLiteral("embed_tokens"),
                                   Component::Embeddings));

    TensorNode layers = group(QStringLiteral("layers"));
    for (int64_t l = 0; l < cfg.numLayers; ++l) {
        TensorNode layer = group(QStringLiteral("layer %1").arg(l));
        layer.children.push_back(b.leaf(model::inputNormName(l), QStringLiteral("input_layernorm"), Component::Norms));
        TensorNode attn = group(QStringLiteral("self_attn"));
        for (Proj p : {Proj::Q, Proj::K, Proj::V, Proj::O})
            attn.children.push_back(b.projection(l, p, Component::Attention));
        layer.children.push_back(std::move(attn));
        layer.children.push_back(b.leaf(model::postAttentionNormName(l), QStringLiteral("post_attention_layernorm"),
                                        Component::Norms));
        TensorNode mlp = group(QStringLiteral("mlp"));
        for (Proj p : {Proj::Gate, Proj::Up, Proj::Down})
            mlp.children.push_back(b.projection(l, p, Component::Mlp));
        layer.children.push_back(std::move(mlp));
        layers.children.push_back(std::move(layer));
    }
    root.children.push_back(std::move(layers));

    root.children.push_back(b.leaf(std::string(model::kFinalNorm), QStringLiteral("norm"), Component::Norms));

    const std::string lmHead(model::kLmHead);
    if (ckpt.contains(lmHead)) {
        root.children.push_back(b.leaf(lmHead, QStringLiteral("lm_head"), Component::LmHead));
    } else {
        // Tied: the output projection reuses embed_tokens and stores nothing of its own.
        TensorNode head;
        head.name = QStringLiteral("lm_head");
        const io::TensorInfo& embed = ckpt.info(std::string(model::kEmbedTokens));
        head.shape = QVector<qint64>(embed.shape.begin(), embed.shape.end());
        head.dtype = dtypeName(embed.dtype);
        head.note = QCoreApplication::translate("ModelOverview", "tied to embed_tokens");
        root.children.push_back(std::move(head));
    }

    TensorNode other = group(QCoreApplication::translate("ModelOverview", "other tensors"));
    for (const std::string& name : ckpt.names())
        if (!b.used.count(name))
            other.children.push_back(b.leaf(name, QString::fromStdString(name), Component::Other));
    if (!other.children.empty())
        root.children.push_back(std::move(other));

    summarize(root);
    // A tied lm_head leaf has no tensor name: summarize() treats it as an empty group, so keep its
    // dtype (the embedding's) for display even though it adds no parameters.
    ov.totalParameters = root.parameters;
    ov.totalBytes = root.bytes;
    return ov;
}

} // namespace slim::widgets
