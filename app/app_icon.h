#pragma once
/// @file app_icon.h
/// The application icon, drawn at run time (no image plugin needed): a stack of layers, the
/// upper ones slimmer — a model being compressed.  resources/slimbench.svg is the same drawing
/// for desktop integration.

#include <QIcon>

namespace slim::app {

QIcon applicationIcon();

} // namespace slim::app
