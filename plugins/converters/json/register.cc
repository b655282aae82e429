#include "ferry/plugin.hpp"
#include "plugins/converters/json/json_converter.hpp"

namespace ferry {

void register_json(plugin_registry& registry) {
    auto info = [](plugin_type type) {
        return plugin_info{.class_name = "org.apache.kafka.connect.json.JsonConverter",
                           .aliases = {"JsonConverter", "json"},
                           .type = type,
                           .version = FERRY_CONNECT_VERSION,
                           .config_def = &json::json_converter::definition};
    };
    registry.add_converter(info(plugin_type::converter), [] { return std::make_unique<json::json_converter>(); });
    registry.add_header_converter(info(plugin_type::header_converter),
                                  [] { return std::make_unique<json::json_converter>(); });
}

} // namespace ferry
