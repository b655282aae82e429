#include "plugins/transforms/common/register_util.hpp"
#include "plugins/transforms/hoist_field/hoist_field.hpp"

namespace ferry {

void register_hoist_field(plugin_registry& registry) {
    transforms::add_key_value<transforms::hoist_field>(registry, "HoistField", &transforms::hoist_field::definition);
}

} // namespace ferry
