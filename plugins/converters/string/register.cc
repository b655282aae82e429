#include "ferry/plugin.hpp"
#include "plugins/converters/string/string_converter.hpp"

namespace ferry {

void register_string(plugin_registry& registry) {
    auto info = [](plugin_type type) {
        return plugin_info{.class_name = "org.apache.kafka.connect.storage.StringConverter",
                           .aliases = {"StringConverter", "string"},
                           .type = type,
                           .version = FERRY_CONNECT_VERSION,
                           .config_def = &converters::string_converter::definition};
    };
    registry.add_converter(info(plugin_type::converter), [] { return std::make_unique<converters::string_converter>(); });
    registry.add_header_converter(info(plugin_type::header_converter),
                                  [] { return std::make_unique<converters::string_converter>(); });
}

} // namespace ferry
