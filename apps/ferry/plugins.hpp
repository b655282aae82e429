#pragma once
// Every plugin compiled into Ferry, registered in one place (plugins.cc).

#include "ferry/plugin.hpp"

namespace ferry::runtime {

void register_all_plugins(plugin_registry& r);

} // namespace ferry::runtime
