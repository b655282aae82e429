#include "plugins/transforms/common/register_util.hpp"
#include "plugins/transforms/extract_field/extract_field.hpp"

namespace ferry {

void register_extract_field(plugin_registry& registry) {
    transforms::add_key_value<transforms::extract_field>(registry, "ExtractField",
                                                         &transforms::extract_field::definition);
}

} // namespace ferry
