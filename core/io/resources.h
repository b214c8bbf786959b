#pragma once
/// @file resources.h
/// Where the data the application ships is found at run time (resources/data: WikiText-2 test split;
/// resources/pipelines: example pipelines): $SLIM_RESOURCE_DATA / $SLIM_PIPELINES, then
/// <executable's folder>/../share/slimbench (an installed tree wherever it is unpacked), then the install
/// prefix, then this build's source tree.

#include <filesystem>

namespace slim::io {

/// The resources/data folder (IoError naming the places looked at when none exists).
std::filesystem::path resourceDataDir();
/// The resources/pipelines folder (same search).
std::filesystem::path pipelinesDir();

} // namespace slim::io
