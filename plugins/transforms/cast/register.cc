#include "plugins/transforms/cast/cast.hpp"
#include "plugins/transforms/common/register_util.hpp"

namespace ferry {

void register_cast(plugin_registry& registry) {
    transforms::add_key_value<transforms::cast>(registry, "Cast", &transforms::cast::definition);
}

} // namespace ferry
