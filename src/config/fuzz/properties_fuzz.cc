// libFuzzer target: the .properties parser, the writer (store -> parse must give back the same
// map) and ConfigDef's value parsing of every type.

#include "config/properties.hpp"
#include "ferry/config/config_def.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

using namespace ferry::config;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto props = parse_properties(text, "fuzz.properties");
    if (!props) {
        if (props.error().message.rfind("fuzz.properties:", 0) != 0) __builtin_trap();
        return 0;
    }
    // Raw bytes survive store(Writer) unchanged, so this round trip must be exact.
    auto again = parse_properties(store_properties(*props, {.escape_unicode = false}), "rt");
    if (!again || again->to_map() != props->to_map()) __builtin_trap();
    (void)store_properties(*props);

    constexpr config_type types[] = {config_type::boolean, config_type::string, config_type::int_,
                                     config_type::short_,  config_type::long_,  config_type::double_,
                                     config_type::list,    config_type::class_, config_type::password};
    for (const auto& e : props->entries()) {
        for (auto t : types) {
            try {
                auto v = config_def::parse_value(e.key, e.value, t);
                auto raw = config_def::to_raw(v, t, true);
                // A printed value parses back to the same value (NaN aside; a list of one empty
                // item prints as "" which is the empty list).
                bool nan = t == config_type::double_ && std::isnan(std::get<double>(v));
                if (raw && !nan && t != config_type::list && config_def::parse_value(e.key, *raw, t) != v)
                    __builtin_trap();
            } catch (const ferry::config_error&) {
            }
        }
    }
    return 0;
}
