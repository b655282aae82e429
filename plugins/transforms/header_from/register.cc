#include "plugins/transforms/common/register_util.hpp"
#include "plugins/transforms/header_from/header_from.hpp"

namespace ferry {

void register_header_from(plugin_registry& registry) {
    transforms::add_key_value<transforms::header_from>(registry, "HeaderFrom", &transforms::header_from::definition);
}

} // namespace ferry
