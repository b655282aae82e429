#include "plugins/transforms/common/register_util.hpp"
#include "plugins/transforms/mask_field/mask_field.hpp"

namespace ferry {

void register_mask_field(plugin_registry& registry) {
    transforms::add_key_value<transforms::mask_field>(registry, "MaskField", &transforms::mask_field::definition);
}

} // namespace ferry
