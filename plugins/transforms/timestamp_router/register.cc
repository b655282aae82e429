#include "plugins/transforms/common/register_util.hpp"
#include "plugins/transforms/timestamp_router/timestamp_router.hpp"

namespace ferry {

void register_timestamp_router(plugin_registry& registry) {
    transforms::add_transformation<transforms::timestamp_router>(
        registry, transforms::kafka_transforms_package, "TimestampRouter", &transforms::timestamp_router::definition);
}

} // namespace ferry
