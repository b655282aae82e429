#include "plugins/transforms/common/register_util.hpp"
#include "plugins/transforms/timestamp_converter/timestamp_converter.hpp"

namespace ferry {

void register_timestamp_converter(plugin_registry& registry) {
    transforms::add_key_value<transforms::timestamp_converter>(registry, "TimestampConverter",
                                                               &transforms::timestamp_converter::definition);
}

} // namespace ferry
