#include "ferry/plugin.hpp"
#include "plugins/converters/byte_array/byte_array_converter.hpp"

namespace ferry {

void register_byte_array(plugin_registry& registry) {
    auto info = [](plugin_type type) {
        return plugin_info{.class_name = "org.apache.kafka.connect.converters.ByteArrayConverter",
                           .aliases = {"ByteArrayConverter", "byte_array"},
                           .type = type,
                           .version = FERRY_CONNECT_VERSION,
                           .config_def = &converters::byte_array_converter::definition};
    };
    registry.add_converter(info(plugin_type::converter),
                           [] { return std::make_unique<converters::byte_array_converter>(); });
    registry.add_header_converter(info(plugin_type::header_converter),
                                  [] { return std::make_unique<converters::byte_array_converter>(); });
}

} // namespace ferry
