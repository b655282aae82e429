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
// Parsing follows Java's ConfigDef.parseType: values are trimmed of leading/trailing characters
// <= U+0020 (PASSWORD too: Java builds `new Password(trimmed)`), BOOLEAN is true/false in any case,
// LIST is split on commas with the whitespace around each comma dropped ("" = empty list, "a," =
// ["a", ""]), INT/SHORT/LONG must fit their type, DOUBLE accepts what Double.parseDouble accepts,
// CLASS stays a string (the plugin registry resolves it). PASSWORD values are wrapped in
// `password`, whose printed form is "[hidden]"; they never appear in messages or validation output.
//
// Errors carry Java's messages word for word, since users and tooling grep for them:
//   Missing required configuration "topic" which has no default value.
//   Invalid value abc for configuration batch.size: Not a number of type INT
//   Invalid value 0 for configuration tasks.max: Value must be at least 1
// define() parses and validates the default at once and throws config_error if it is bad (as
// Java's ConfigKey constructor does), so a broken table fails on first use, not in production.

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

// Returns the error message, or nullopt when the value is fine. The message should be complete,
// as Java's ConfigException(name, value, reason) builds it: use invalid_value(name, v, reason).
// A message that does not mention the key's name is wrapped that way by config_def, so a bare
// "must be positive" still reaches the user as "Invalid value -1 for configuration x: must be positive".
//
// Null values (a null default, or a value that failed to parse during validate()) are passed only to
// the validators below, which treat null exactly as their Java counterparts do (at_least reports
// "Value must be non-null", non_null "entry must be non null", non_empty_string accepts it ...).
// Hand-written validators are never called with null, so they may std::get<> freely.
using validator = std::function<std::optional<std::string>(const std::string& name, const config_value& v)>;

// Java's toString() of a parsed value, as used in messages: null, true, 5, 1.0E10, [a, b], [hidden].
std::string display(const config_value& v);
// "Invalid value <display(v)> for configuration <name>: <reason>"
std::string invalid_value(std::string_view name, const config_value& v, std::string_view reason);

namespace validators {
validator at_least(int64_t min);                 // Range.atLeast
validator between(int64_t min, int64_t max);     // Range.between
validator at_least_double(double min);           // Range.atLeast(0.0)
validator between_double(double min, double max);
// Value (string) in a fixed set; `case_sensitive` as Java's ValidString vs CaseInsensitiveValidString.
validator one_of(std::vector<std::string> allowed, bool case_sensitive = true);
validator non_empty_string();                    // NonEmptyString (null is fine)
validator non_empty_string_without_control_chars(); // the connector `name` rule
validator non_null();                            // NonNullValidator
// Every item of a LIST in the set (ValidList); with allow_empty = false an empty list is an error too.
validator list_of(std::vector<std::string> allowed, bool allow_empty = true);
validator non_empty_list();                      // Connect's NonEmptyListValidator ("Empty list")
validator list_max_size(size_t max);             // ListSize.atMostOfSize
validator valid_regex();                         // Connect's RegexValidator ("Invalid regex: ...")
validator all(std::vector<validator> vs);        // CompositeValidator: the first error wins
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
    // Java's Recommender#visible: whether the UI should show the key given the other values.
    // Empty = always visible.
    std::function<bool(const std::map<std::string, config_value>&)> visible;

    bool required() const { return def.k == config_default::kind::none; }
};

// Per-key outcome of validation, shaped like Kafka Connect's ConfigValue.
struct config_validation {
    std::string name;
    // As Java reports it: the parsed value (or default) turned back into a string (to_raw), so
    // " 5 " shows as "5" and a double "1" as "1.0"; nullopt when missing, null or unparsable;
    // PASSWORD -> "[hidden]".
    std::optional<std::string> value;
    std::vector<std::string> recommended_values;
    std::vector<std::string> errors;
    bool visible = true;
};

class config_values;

class config_def {
public:
    // Throws config_error for a duplicate name ("Configuration x is defined twice.") or a default
    // that does not parse or validate: both are bugs in the table, reported as Java does.
    config_def& define(config_key key);
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

    // Collects every problem instead of stopping at the first one (for REST validate). One entry
    // per non-internal key in definition order, then one per undefined dependent. Error messages
    // are Java's, including the second "Value must be non-null" a Range adds to a missing key.
    std::vector<config_validation> validate(const config_map& props) const;

    // The parsed default of a key with a default (monostate for a null default).
    const config_value* default_value(std::string_view name) const;

    // Parses one raw value as `type` (Java's ConfigDef.parseType); throws config_error.
    static config_value parse_value(const std::string& name, const std::string& raw, config_type type);
    // The raw (string) form of a parsed value: lists joined with ",", passwords hidden.
    static std::optional<std::string> to_raw(const config_value& v, config_type type, bool reveal_password = false);

private:
    std::vector<config_key> _keys;
    std::vector<config_value> _defaults; // parallel to _keys; monostate when none or null
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
    std::optional<int32_t> get_int_opt(std::string_view name) const;
    std::optional<int64_t> get_long_opt(std::string_view name) const; // LONG, or INT widened
    std::optional<double> get_double_opt(std::string_view name) const;
    bool is_null(std::string_view name) const;
    bool contains(std::string_view name) const { return _values.find(name) != _values.end(); }
    const config_value& get(std::string_view name) const;
    const std::map<std::string, config_value, std::less<>>& values() const { return _values; }

    // Every key the user gave, defined or not (Java's originals()).
    const config_map& originals() const { return _originals; }
    // originals whose key starts with `prefix`, with the prefix removed when `strip` is true.
    config_map originals_with_prefix(std::string_view prefix, bool strip = true) const;

private:
    std::map<std::string, config_value, std::less<>> _values;
    config_map _originals;
};

// Helper for plugin code that only needs a few keys: the entries whose key starts with `prefix`
// (and is longer than it), with the prefix removed (Java's Utils.entriesWithPrefix).
config_map with_prefix_stripped(const config_map& m, std::string_view prefix);

} // namespace ferry::config
