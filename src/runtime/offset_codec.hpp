#pragma once
// Source offsets as bytes (spec kafka-connect.md 4.3): key ["<connector>",{partition}] and value
// {offset}, compact JSON written by JsonConverter with schemas.enable=false, exactly as Kafka
// Connect's OffsetStorageWriter does. Lookups compare key BYTES, so map entries are written in the
// order Java's HashMap iterates them (which is how Java connectors build their partition maps);
// one-field maps - the common case - are unaffected.

#include "base/error.hpp"
#include "ferry/data/value.hpp"
#include "ferry/plugin.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace ferry::runtime {

// Java's HashMap iteration order for String keys (table of 16 buckets, doubling past 75% load;
// insertion order within a bucket). Non-map values are returned unchanged.
value java_hashmap_order(const value& map);

// Java's String.hashCode of UTF-8 text (computed over UTF-16 code units).
int32_t java_string_hash(std::string_view utf8);

class offset_codec {
public:
    explicit offset_codec(const plugin_registry& plugins);
    ~offset_codec();

    std::string encode_key(std::string_view connector, const value& partition);
    // nullopt for a null offset (tombstone).
    std::optional<std::string> encode_value(const value& offset);
    // Throws data_error on malformed input.
    std::pair<std::string, value> decode_key(std::string_view key);
    value decode_value(std::optional<std::string_view> v);

    // KIP-875/§4.3 validation: string keys, primitive values (or null). Returns an error message.
    static std::optional<std::string> validate_map(const value& m, const char* what);

private:
    std::unique_ptr<converter> _json;
    ferry::headers _no_headers;
    std::string _buf;
};

} // namespace ferry::runtime
