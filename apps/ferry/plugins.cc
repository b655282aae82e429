#include "apps/ferry/plugins.hpp"

// One declaration and one call per plugin folder: deleting a folder means deleting its two lines.
namespace ferry {
void register_file_connectors(plugin_registry& r);
void register_datagen(plugin_registry& r);
void register_verifiable(plugin_registry& r);
void register_json(plugin_registry& r);
void register_avro(plugin_registry& r);
void register_string(plugin_registry& r);
void register_byte_array(plugin_registry& r);
void register_number(plugin_registry& r);
void register_simple_header(plugin_registry& r);
void register_transforms(plugin_registry& r);
void register_jdbc(plugin_registry& r);
void register_postgres_cdc(plugin_registry& r);
} // namespace ferry

namespace ferry::runtime {

void register_all_plugins(plugin_registry& r) {
    register_file_connectors(r);
    register_datagen(r);
    register_verifiable(r);
    register_json(r);
    register_avro(r);
    register_string(r);
    register_byte_array(r);
    register_number(r);
    register_simple_header(r);
    register_transforms(r);
    register_jdbc(r);
    register_postgres_cdc(r);
}

} // namespace ferry::runtime
