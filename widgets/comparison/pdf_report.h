#pragma once
/// @file pdf_report.h
/// The report (core/results/report.h) laid out as a PDF with Qt's PDF writer: a title page (models,
/// date, machine, library versions), the pipeline drawn as a picture with each node's settings, the
/// variants and result tables with standard errors (long tables break across pages and repeat their
/// header), the comparison charts and the base model's layer-similarity heatmap as vector graphics,
/// notes on what each metric means, and the records left out.  A4 or Letter; fonts come from
/// fontconfig, so German and Chinese text render where a font has the glyphs (Debian: fonts-wqy-microhei).

#include "core/results/report.h"

#include <QCoreApplication>
#include <QPageSize>
#include <QString>

namespace slim::widgets {

struct PdfReportOptions {
    QPageSize::PageSizeId page = QPageSize::A4;
};

class PdfReport {
    Q_DECLARE_TR_FUNCTIONS(slim::widgets::PdfReport)
public:
    /// Write `file` atomically (a temporary file renamed into place); false with `error` set on failure.
    static bool write(const results::ReportInput& in, const QString& file, const PdfReportOptions& options, QString* error);
};

inline bool writePdfReport(const results::ReportInput& in, const QString& file, const PdfReportOptions& options, QString* error) {
    return PdfReport::write(in, file, options, error);
}

} // namespace slim::widgets
