#include "plugins/transforms/common/register_util.hpp"
#include "plugins/transforms/insert_field/insert_field.hpp"

namespace ferry {

void register_insert_field(plugin_registry& registry) {
    transforms::add_key_value<transforms::insert_field>(registry, "InsertField", &transforms::insert_field::definition);
}

} // namespace ferry
