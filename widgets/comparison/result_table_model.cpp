#include "widgets/comparison/result_table_model.h"

#include <QBrush>
#include <QFont>
#include <QLocale>
#include <QPalette>

namespace slim::widgets {

namespace {
QString qs(const std::string& s) { return QString::fromStdString(s); }
QString number(double v, int digits = 4) { return QLocale().toString(v, 'g', digits); }
} // namespace

ResultTableModel::ResultTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void ResultTableModel::setComparison(results::Comparison c) {
    beginResetModel();
    m_c = std::move(c);
    endResetModel();
}

void ResultTableModel::setShowStderr(bool on) {
    if (on == m_stderr)
        return;
    m_stderr = on;
    if (rowCount() > 0)
        emit dataChanged(index(0, FixedCount), index(rowCount() - 1, columnCount() - 1));
}

int ResultTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_c.variants.size());
}

int ResultTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : FixedCount + static_cast<int>(m_c.columns.size());
}

QVariant ResultTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const auto& v = m_c.variants[static_cast<size_t>(index.row())];
    const int col = index.column();
    const bool isBase = index.row() == m_c.base;
    auto optional = [&](const std::optional<double>& x, auto text) -> QVariant {
        if (role == Qt::UserRole)
            return x ? QVariant(*x) : QVariant();
        if (role == Qt::DisplayRole)
            return x ? text(*x) : tr("not available");
        if (role == Qt::ForegroundRole && !x)
            return QBrush(QPalette().color(QPalette::PlaceholderText));
        return {};
    };
    switch (col) {
    case Variant:
        if (role == Qt::DisplayRole || role == Qt::UserRole)
            return isBase ? tr("%1 (base)").arg(qs(v.label)) : qs(v.label);
        if (role == Qt::ToolTipRole)
            return tr("%1\nfolder: %2\nfingerprint: %3").arg(qs(v.stepsText), qs(v.modelPath), qs(v.fingerprint.substr(0, 16)));
        if (role == Qt::FontRole && isBase) {
            QFont f;
            f.setBold(true);
            return f;
        }
        return {};
    case Steps:
        return role == Qt::DisplayRole || role == Qt::UserRole || role == Qt::ToolTipRole ? QVariant(qs(v.stepsText)) : QVariant();
    case Stored:
        return optional(v.storedBytes, [](double b) { return qs(results::formatBytes(b)); });
    case Peak:
        if (role == Qt::ToolTipRole)
            return qs(v.peakKind);
        return optional(v.peakBytes, [](double b) { return qs(results::formatBytes(b)); });
    case Decode:
        if (role == Qt::ToolTipRole)
            return qs(v.speedDevice);
        return optional(v.decodeTokensPerS, [](double t) { return number(t); });
    case Energy:
        if (role == Qt::ToolTipRole && !v.joulesPerToken)
            return qs(v.energyNote.empty() ? "not measured" : v.energyNote);
        return optional(v.joulesPerToken, [](double j) { return number(j); });
    default:
        break;
    }
    const size_t mc = static_cast<size_t>(metricColumn(col));
    const results::Cell* cell = m_c.cell(static_cast<size_t>(index.row()), mc);
    if (role == Qt::UserRole)
        return cell ? QVariant(cell->value) : QVariant();
    if (role == Qt::TextAlignmentRole)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ForegroundRole && !cell)
        return QBrush(QPalette().color(QPalette::PlaceholderText));
    if (role == Qt::ToolTipRole && cell) {
        QString t = tr("record #%1").arg(cell->recordId);
        if (auto rel = m_c.relativeChange(static_cast<size_t>(index.row()), mc))
            t += tr("\n%1 % vs the base").arg(QLocale().toString(100.0 * *rel, 'f', 2));
        return t;
    }
    if (role != Qt::DisplayRole)
        return {};
    if (!cell)
        return QStringLiteral("—");
    QString text = number(cell->value, 6);
    if (m_stderr && cell->stderr_)
        text += QStringLiteral(" ± ") + number(*cell->stderr_, 2);
    return text;
}

QVariant ResultTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::ToolTipRole && section >= FixedCount) {
        const auto& c = m_c.columns[static_cast<size_t>(section - FixedCount)];
        return tr("%1\nsettings: %2\n%3 is better")
            .arg(qs(c.title()), qs(c.settings.dump()),
                 c.direction == results::Direction::LowerIsBetter ? tr("lower") : c.direction == results::Direction::HigherIsBetter ? tr("higher") : tr("neither"));
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Variant: return tr("Variant");
    case Steps: return tr("What was done");
    case Stored: return tr("Stored weights");
    case Peak: return tr("Peak memory");
    case Decode: return tr("Decode tok/s");
    case Energy: return tr("J/token");
    default: break;
    }
    const auto& c = m_c.columns[static_cast<size_t>(section - FixedCount)];
    QString t = qs(c.metric) + QLatin1Char('\n') + qs(c.task);
    if (!c.convention.empty())
        t += QStringLiteral(" · ") + qs(c.convention);
    if (!c.setting.empty())
        t += QStringLiteral(" · ") + qs(c.setting);
    return t;
}

} // namespace slim::widgets
