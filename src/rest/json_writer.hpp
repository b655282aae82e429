#pragma once
#include "base/json_writer.hpp"

namespace ferry::rest {
using ferry::json_writer;
} // namespace ferry::rest
