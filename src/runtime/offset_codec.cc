#include "runtime/offset_codec.hpp"

#include "ferry/connect/errors.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace ferry::runtime {

int32_t java_string_hash(std::string_view s) {
    uint32_t h = 0;
    size_t i = 0;
    auto unit = [&](uint32_t u) { h = 31 * h + u; };
    while (i < s.size()) {
        unsigned char c = s[i];
        uint32_t cp;
        int len;
        if (c < 0x80) { cp = c; len = 1; }
        else if ((c >> 5) == 6) { cp = c & 0x1F; len = 2; }
        else if ((c >> 4) == 14) { cp = c & 0x0F; len = 3; }
        else { cp = c & 0x07; len = 4; }
        for (int k = 1; k < len && i + k < s.size(); k++) cp = (cp << 6) | (uint8_t(s[i + k]) & 0x3F);
        i += len;
        if (cp >= 0x10000) { // surrogate pair
            cp -= 0x10000;
            unit(0xD800 + (cp >> 10));
            unit(0xDC00 + (cp & 0x3FF));
        } else {
            unit(cp);
        }
    }
    return int32_t(h);
}

value java_hashmap_order(const value& m) {
    if (m.type() != value::kind::map) return m;
    auto& entries = m.as_map();
    if (entries.size() < 2) return m;
    size_t cap = 16;
    while (entries.size() > cap * 3 / 4) cap *= 2;
    std::vector<std::pair<size_t, size_t>> order; // (bucket, insertion index)
    for (size_t i = 0; i < entries.size(); i++) {
        auto& k = entries[i].first;
        uint32_t h = k.type() == value::kind::string ? uint32_t(java_string_hash(k.as_string())) : 0;
        h ^= h >> 16;
        order.emplace_back(h & (cap - 1), i);
    }
    std::stable_sort(order.begin(), order.end(), [](auto& a, auto& b) { return a.first < b.first; });
    value::map_type out;
    out.reserve(entries.size());
    for (auto& [bucket, i] : order) out.push_back(entries[i]);
    return value(std::move(out));
}

offset_codec::offset_codec(const plugin_registry& plugins)
    : _json(plugins.make_converter("org.apache.kafka.connect.json.JsonConverter")) {
    _json->configure({{"schemas.enable", "false"}, {"converter.type", "key"}}, true);
}

offset_codec::~offset_codec() = default;

std::string offset_codec::encode_key(std::string_view connector, const value& partition) {
    value::array_type key;
    key.emplace_back(std::string(connector));
    key.push_back(java_hashmap_order(partition));
    _json->from_connect("", _no_headers, nullptr, value(std::move(key)), _buf);
    return _buf;
}

std::optional<std::string> offset_codec::encode_value(const value& offset) {
    if (offset.is_null()) return std::nullopt;
    if (!_json->from_connect("", _no_headers, nullptr, java_hashmap_order(offset), _buf)) return std::nullopt;
    return _buf;
}

std::pair<std::string, value> offset_codec::decode_key(std::string_view key) {
    auto sv = _json->to_connect("", _no_headers, key);
    if (sv.val.type() != value::kind::array || sv.val.as_array().size() != 2 ||
        sv.val.as_array()[0].type() != value::kind::string)
        throw data_error(fmt::format("Ignoring offset partition key with an unexpected format: {}", key));
    auto& a = sv.val.as_array();
    return {a[0].as_string(), a[1]};
}

value offset_codec::decode_value(std::optional<std::string_view> v) {
    if (!v) return value();
    return _json->to_connect("", _no_headers, *v).val;
}

std::optional<std::string> offset_codec::validate_map(const value& m, const char* what) {
    if (m.is_null()) return std::nullopt;
    if (m.type() != value::kind::map) return fmt::format("{} must be a map", what);
    for (auto& [k, v] : m.as_map()) {
        if (k.type() != value::kind::string) return fmt::format("{} keys must be strings", what);
        auto t = v.type();
        if (t == value::kind::array || t == value::kind::map || t == value::kind::struct_)
            return fmt::format("{} values for key '{}' must be primitive (not nested)", what, k.as_string());
    }
    return std::nullopt;
}

} // namespace ferry::runtime
