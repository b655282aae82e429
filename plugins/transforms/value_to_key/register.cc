#include "plugins/transforms/common/register_util.hpp"
#include "plugins/transforms/value_to_key/value_to_key.hpp"

namespace ferry {

void register_value_to_key(plugin_registry& registry) {
    transforms::add_transformation<transforms::value_to_key>(registry, transforms::kafka_transforms_package,
                                                             "ValueToKey", &transforms::value_to_key::definition);
}

} // namespace ferry
