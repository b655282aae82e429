#include "plugins/transforms/common/register_util.hpp"
#include "plugins/transforms/flatten/flatten.hpp"

namespace ferry {

void register_flatten(plugin_registry& registry) {
    transforms::add_key_value<transforms::flatten>(registry, "Flatten", &transforms::flatten::definition);
}

} // namespace ferry
