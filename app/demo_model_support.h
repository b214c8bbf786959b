#pragma once
/// @file demo_model_support.h
/// The built-in demo model as the GUI sees it (a thin Qt wrapper over core/model/demo_model.h).

#include <QString>
#include <QStringList>

namespace slim::app {

/// The user's data folder of the demo model, e.g. ~/.local/share/slimbench/demo-model.
QString demoModelDir();
/// True when the demo model has been created completely.
bool demoModelReady();
/// The slimbench-cli arguments that create the demo model.
QStringList demoModelCreateArguments();

} // namespace slim::app
