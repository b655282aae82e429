#include "plugins/transforms/common/register_util.hpp"
#include "plugins/transforms/regex_router/regex_router.hpp"

namespace ferry {

void register_regex_router(plugin_registry& registry) {
    transforms::add_transformation<transforms::regex_router>(registry, transforms::kafka_transforms_package,
                                                             "RegexRouter", &transforms::regex_router::definition);
}

} // namespace ferry
