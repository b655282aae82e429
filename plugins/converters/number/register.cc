#include "ferry/plugin.hpp"
#include "plugins/converters/number/number_converters.hpp"

namespace ferry {

void register_number(plugin_registry& registry) {
    struct entry {
        const char* simple;
        converters::number_kind kind;
    };
    for (entry e : {entry{"ShortConverter", converters::number_kind::int16},
                    entry{"IntegerConverter", converters::number_kind::int32},
                    entry{"LongConverter", converters::number_kind::int64},
                    entry{"FloatConverter", converters::number_kind::float32},
                    entry{"DoubleConverter", converters::number_kind::float64},
                    entry{"BooleanConverter", converters::number_kind::boolean}}) {
        auto info = [&](plugin_type type) {
            return plugin_info{.class_name = std::string("org.apache.kafka.connect.converters.") + e.simple,
                               .aliases = {e.simple},
                               .type = type,
                               .version = FERRY_CONNECT_VERSION,
                               .config_def = &converters::number_converter::definition};
        };
        auto kind = e.kind;
        registry.add_converter(info(plugin_type::converter),
                               [kind] { return std::make_unique<converters::number_converter>(kind); });
        registry.add_header_converter(info(plugin_type::header_converter),
                                      [kind] { return std::make_unique<converters::number_converter>(kind); });
    }
}

} // namespace ferry
