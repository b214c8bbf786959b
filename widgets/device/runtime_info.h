#pragma once
/// @file runtime_info.h
/// Which LibTorch this window runs on (its own, for the generation panel) and which the engine
/// (slimbench-cli, for every other job) reports — for the About box and the log.

#include <QString>

namespace slim::widgets {

/// "LibTorch 2.11.0 with CUDA" / "LibTorch 1.13.0, CPU only".
QString windowRuntime();
/// From the device catalog: "LibTorch 2.11.0, CUDA 13.0: cpu, cuda:0 (NVIDIA H200)" (or "not known yet").
QString engineRuntime();

} // namespace slim::widgets
