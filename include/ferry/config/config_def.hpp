#pragma once
// Declarative configuration definitions, as Kafka's ConfigDef.
//
// Every plugin (connector, converter, transform, predicate) and the worker itself declares its keys
// in ONE table of config_key entries. The same table drives parsing (config_values), validation
// (PUT /connector-plugins/{type}/config/validate and the web UI's forms) and the generated docs,
// so a key cannot be parsed one way and documented another.
//
//   static const config_def& definition() {
//       static const config_def d = config_def()
//           .define({.name = "file", .type = config_type::string, .def = null_default,
//                    .imp = importance::high, .doc = "Source filename. If null, stdin is used."})
//           .define({.name = "batch.size", .type = config_type::int_, .def = "2000",
//                    .valid = validators::at_least(1), .imp = importance::low, .doc = "..."});
//       return d;
//   }
//
// Parsing follows Java: values are trimmed (except PASSWORD), BOOLEAN is true/false in any case,
// LIST is comma-separated with each item trimmed ("" = empty list), numbers must fit their type.
// PASSWORD values are wrapped in `password`, whose printed form is "[hidden]".

#include "ferry/connect/errors.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ferry::config {

using config_map = std::map<std::string, std::string>;

enum class config_type { boolean, string, int_, short_, long_, double_, list, class_, password };
enum class importance { high, medium, low };
enum class width { none, short_, medium, long_ };

std::string_view type_name(config_type t);   // "BOOLEAN", "STRING", ... as Java
std::string_view importance_name(importance i); // "HIGH", ...
std::string_view width_name(width w);        // "NONE", "SHORT", ...

struct password {
    std::string secret;
    friend bool operator==(const password&, const password&) = default;
};
inline constexpr std::string_view hidden = "[hidden]";

// A parsed value. INT and SHORT parse to int32_t (SHORT range-checked), LONG to int64_t,
// STRING/CLASS to std::string, LIST to std::vector<std::string>. monostate = null.
using config_value = std::variant<std::monostate, bool, int32_t, int64_t, double, std::string,
                                  std::vector<std::string>, password>;

// Default of a key: none (the key is required), null, or a raw string parsed like user input.
struct config_default {
    enum class kind { none, null, value } k = kind::none;
    std::string raw;
    config_default() = default;
    config_default(const char* r) : k(kind::value), raw(r) {}
    config_default(std::string r) : k(kind::value), raw(std::move(r)) {}
    static config_default none() { return {}; }
    static config_default null() { config_default d; d.k = kind::null; return d; }
};
inline const config_default no_default = config_default::none();
inline const config_default null_default = config_default::null();

// Returns an error message, or nullopt when the value is fine. Called with the parsed value (never
// for a null value unless the key's default is null and the validator asks for it: see non_null).
using validator = std::function<std::optional<std::string>(const std::string& name, const config_value& v)>;

namespace validators {
validator at_least(int64_t min);
validator between(int64_t min, int64_t max);
validator at_least_double(double min);
// Value (string) in a fixed set; `case_sensitive` as Java's ValidString vs CaseInsensitiveValidString.
validator one_of(std::vector<std::string> allowed, bool case_sensitive = true);
validator non_empty_string();
validator non_null();
// Every item of a LIST in the set.
validator list_of(std::vector<std::string> allowed, bool allow_empty = true);
validator non_empty_list();
validator valid_regex();
validator all(std::vector<validator> vs);
} // namespace validators

struct config_key {
    std::string name;
    config_type type = config_type::string;
    config_default def;
    validator valid;
    importance imp = importance::medium;
    std::string doc;
    std::string group;
    int order = -1;
    width w = width::none;
    std::string display_name; // defaults to name
    std::vector<std::string> dependents;
    // Recommended values for validation responses and UI drop-downs.
    std::function<std::vector<std::string>(const std::map<std::string, config_value>&)> recommender;
    bool internal = false; // not shown in validation responses (Java's internalConfig)

    bool required() const { return def.k == config_default::kind::none; }
};

// Per-key outcome of validation, shaped like Kafka Connect's ConfigValue.
struct config_validation {
    std::string name;
    std::optional<std::string> value; // raw as given, or the default in raw form; PASSWORD -> "[hidden]"
    std::vector<std::string> recommended_values;
    std::vector<std::string> errors;
    bool visible = true;
};

class config_values;

class config_def {
public:
    config_def& define(config_key key);   // a duplicate name is a programming error (assert)
    config_def& merge(const config_def& other); // appends other's keys (Java's embed/withClientSslSupport)
    // Returns a copy in which `name`'s default becomes `def` (Java's ConfigDef#define override).
    config_def with_default(std::string_view name, config_default def) const;

    const std::vector<config_key>& keys() const { return _keys; }
    const config_key* find(std::string_view name) const;
    std::vector<std::string> groups() const; // in order of first appearance

    // Parses and validates every defined key; throws config_error naming the first bad key
    // ("Missing required configuration \"topic\" which has no default value.",
    //  "Invalid value x for configuration batch.size: Not a number of type INT").
    config_values parse(const config_map& props) const;

    // Collects every problem instead of stopping at the first one (for REST validate).
    std::vector<config_validation> validate(const config_map& props) const;

    // Parses one raw value as `type` (Java's ConfigDef.parseType); throws config_error.
    static config_value parse_value(const std::string& name, const std::string& raw, config_type type);
    // The raw (string) form of a parsed value: lists joined with ",", passwords hidden.
    static std::optional<std::string> to_raw(const config_value& v, config_type type, bool reveal_password = false);

private:
    std::vector<config_key> _keys;
    std::map<std::string, size_t, std::less<>> _index;
};

// Parsed configuration (Java's AbstractConfig). Getters throw config_error when the key is
// undefined or of another type; nullable getters return nullopt/nullptr for null.
class config_values {
public:
    config_values() = default;
    config_values(std::map<std::string, config_value, std::less<>> values, config_map originals)
        : _values(std::move(values)), _originals(std::move(originals)) {}

    bool get_bool(std::string_view name) const;
    int32_t get_int(std::string_view name) const; // INT and SHORT
    int64_t get_long(std::string_view name) const;
    double get_double(std::string_view name) const;
    // STRING or CLASS; "" when null (use get_string_opt to tell them apart).
    const std::string& get_string(std::string_view name) const;
    std::optional<std::string> get_string_opt(std::string_view name) const;
    const std::vector<std::string>& get_list(std::string_view name) const;
    std::optional<password> get_password(std::string_view name) const;
    bool is_null(std::string_view name) const;
    const config_value& get(std::string_view name) const;

    const config_map& originals() const { return _originals; }
    // originals whose key starts with `prefix`, with the prefix removed when `strip` is true.
    config_map originals_with_prefix(std::string_view prefix, bool strip = true) const;

private:
    std::map<std::string, config_value, std::less<>> _values;
    config_map _originals;
};

// Helper for plugin code that only needs a few keys: the originals with a prefix removed.
config_map with_prefix_stripped(const config_map& m, std::string_view prefix);

} // namespace ferry::config
