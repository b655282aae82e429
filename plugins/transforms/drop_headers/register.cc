#include "plugins/transforms/common/register_util.hpp"
#include "plugins/transforms/drop_headers/drop_headers.hpp"

namespace ferry {

void register_drop_headers(plugin_registry& registry) {
    transforms::add_transformation<transforms::drop_headers>(registry, transforms::kafka_transforms_package,
                                                             "DropHeaders", &transforms::drop_headers::definition);
}

} // namespace ferry
