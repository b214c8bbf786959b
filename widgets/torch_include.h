#pragma once
/// @file torch_include.h
/// The one way GUI code includes core headers that pull LibTorch in.
///
/// Qt defines `slots` (and `signals`, `emit`) as macros; LibTorch's ivalue_inl.h and object.h use
/// `slots` as an identifier, so a Qt header included before them breaks the build.  We cannot
/// define QT_NO_KEYWORDS either, because Debian's qcustomplot.h uses `signals:`.  Hence every GUI
/// translation unit that needs LibTorch includes this header, which hides the macro while the
/// LibTorch / core headers are parsed and restores it afterwards.  Never include LibTorch or
/// these core headers from a widget *header*: keep them in .cpp files.

#pragma push_macro("slots")
#undef slots

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <ATen/core/Tensor.h>

#include "core/analysis/weight_stats.h"
#include "core/common/errors.h"
#include "core/common/job_context.h"
#include "core/io/checkpoint.h"
#include "core/io/dtype.h"
#include "core/model/llama_model.h"
#include "core/model/model_config.h"
#include "core/model/tensor_names.h"
#include "core/tokenizer/tokenizer.h"

#include "core/model/generation.h"

#pragma pop_macro("slots")
