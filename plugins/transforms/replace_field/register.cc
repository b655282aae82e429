#include "plugins/transforms/common/register_util.hpp"
#include "plugins/transforms/replace_field/replace_field.hpp"

namespace ferry {

void register_replace_field(plugin_registry& registry) {
    transforms::add_key_value<transforms::replace_field>(registry, "ReplaceField",
                                                         &transforms::replace_field::definition);
}

} // namespace ferry
