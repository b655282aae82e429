#include "plugins/transforms/common/register_util.hpp"
#include "plugins/transforms/extract_new_record_state/extract_new_record_state.hpp"

namespace ferry {

void register_extract_new_record_state(plugin_registry& registry) {
    registry.add_transformation(plugin_info{.class_name = "io.debezium.transforms.ExtractNewRecordState",
                                            .aliases = {"ExtractNewRecordState"},
                                            .type = plugin_type::transformation,
                                            .version = "3.2.0.Final",
                                            .config_def = &transforms::extract_new_record_state::definition},
                                [] { return std::make_unique<transforms::extract_new_record_state>(); });
}

} // namespace ferry
