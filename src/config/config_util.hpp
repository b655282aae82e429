#pragma once
// Generic helpers the worker uses on raw config maps: prefix selection and splitting (producer.*,
// consumer.*, admin.*, producer.override.* ...) and masking PASSWORD values before logging.

#include "ferry/config/config_def.hpp"

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::config {

// Prefixes under which worker and connector configs carry Kafka client settings.
inline constexpr std::string_view producer_prefix = "producer.";
inline constexpr std::string_view consumer_prefix = "consumer.";
inline constexpr std::string_view admin_prefix = "admin.";
inline constexpr std::string_view producer_override_prefix = "producer.override.";
inline constexpr std::string_view consumer_override_prefix = "consumer.override.";
inline constexpr std::string_view admin_override_prefix = "admin.override.";

// Java's AbstractConfig#originalsWithPrefix over a plain map: keys that start with `prefix` and
// are longer than it, with the prefix removed when `strip`.
config_map originals_with_prefix(const config_map& m, std::string_view prefix, bool strip = true);

struct prefix_split {
    std::map<std::string, config_map, std::less<>> by_prefix; // prefix -> entries, prefix stripped
    config_map rest;                                           // keys under none of the prefixes
    const config_map& operator[](std::string_view prefix) const;
};
// Puts every key under the LONGEST matching prefix, so with {"producer.", "producer.override."}
// "producer.override.acks" lands in "producer.override." as "acks" and not in "producer." as
// "override.acks". A key equal to a prefix goes to `rest`. Every given prefix has an entry.
prefix_split split_by_prefix(const config_map& m, std::span<const std::string_view> prefixes);

// A copy of `m` for logging: values of keys that `def` declares PASSWORD become "[hidden]"; so do
// keys that are such a key behind one of `prefixes` (e.g. "producer.ssl.key.password" with a
// client definition and prefix "producer.").
config_map mask_passwords(const config_map& m, const config_def& def, std::span<const std::string_view> prefixes = {});

} // namespace ferry::config
