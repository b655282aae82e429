#include "plugins/transforms/common/register_util.hpp"
#include "plugins/transforms/insert_header/insert_header.hpp"

namespace ferry {

void register_insert_header(plugin_registry& registry) {
    transforms::add_transformation<transforms::insert_header>(registry, transforms::kafka_transforms_package,
                                                              "InsertHeader", &transforms::insert_header::definition);
}

} // namespace ferry
