// One call that registers every transform and predicate of plugins/transforms, for wiring that
// prefers a single line; each family also has its own register_<name>() and library.
#include "ferry/plugin.hpp"

namespace ferry {

void register_cast(plugin_registry&);
void register_drop_headers(plugin_registry&);
void register_extract_field(plugin_registry&);
void register_filter(plugin_registry&);
void register_flatten(plugin_registry&);
void register_header_from(plugin_registry&);
void register_hoist_field(plugin_registry&);
void register_insert_field(plugin_registry&);
void register_insert_header(plugin_registry&);
void register_mask_field(plugin_registry&);
void register_regex_router(plugin_registry&);
void register_replace_field(plugin_registry&);
void register_set_schema_metadata(plugin_registry&);
void register_timestamp_converter(plugin_registry&);
void register_timestamp_router(plugin_registry&);
void register_value_to_key(plugin_registry&);
void register_predicates(plugin_registry&);
void register_extract_new_record_state(plugin_registry&);

void register_transforms(plugin_registry& r) {
    register_cast(r);
    register_drop_headers(r);
    register_extract_field(r);
    register_filter(r);
    register_flatten(r);
    register_header_from(r);
    register_hoist_field(r);
    register_insert_field(r);
    register_insert_header(r);
    register_mask_field(r);
    register_regex_router(r);
    register_replace_field(r);
    register_set_schema_metadata(r);
    register_timestamp_converter(r);
    register_timestamp_router(r);
    register_value_to_key(r);
    register_predicates(r);
    register_extract_new_record_state(r);
}

} // namespace ferry
