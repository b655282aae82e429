#include "ferry/plugin.hpp"
#include "plugins/converters/simple_header/simple_header_converter.hpp"

namespace ferry {

void register_simple_header(plugin_registry& registry) {
    registry.add_header_converter(
        plugin_info{.class_name = "org.apache.kafka.connect.storage.SimpleHeaderConverter",
                    .aliases = {"SimpleHeaderConverter", "simple"},
                    .type = plugin_type::header_converter,
                    .version = FERRY_CONNECT_VERSION,
                    .config_def = &converters::simple_header_converter::definition},
        [] { return std::make_unique<converters::simple_header_converter>(); });
}

} // namespace ferry
