#include "plugins/transforms/common/register_util.hpp"
#include "plugins/transforms/set_schema_metadata/set_schema_metadata.hpp"

namespace ferry {

void register_set_schema_metadata(plugin_registry& registry) {
    transforms::add_key_value<transforms::set_schema_metadata>(registry, "SetSchemaMetadata",
                                                               &transforms::set_schema_metadata::definition);
}

} // namespace ferry
