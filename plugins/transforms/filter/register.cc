#include "plugins/transforms/common/register_util.hpp"
#include "plugins/transforms/filter/filter.hpp"

namespace ferry {

void register_filter(plugin_registry& registry) {
    transforms::add_transformation<transforms::filter>(registry, transforms::kafka_transforms_package, "Filter",
                                                       &transforms::filter::definition);
}

} // namespace ferry
