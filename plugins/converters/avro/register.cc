#include "ferry/plugin.hpp"
#include "plugins/converters/avro/avro_converter.hpp"

namespace ferry {

void register_avro(plugin_registry& registry) {
    registry.add_converter({.class_name = "io.confluent.connect.avro.AvroConverter",
                            .aliases = {"AvroConverter", "avro"},
                            .type = plugin_type::converter,
                            .version = FERRY_CONNECT_VERSION,
                            .config_def = &avro_converter::avro_converter::definition},
                           [] { return std::make_unique<avro_converter::avro_converter>(); });
}

} // namespace ferry
