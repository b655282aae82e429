#pragma once
// A small JSON tree for Avro schemas: it keeps object members in document order and tells
// integers from floating-point numbers, because both are visible in the schema text that the
// registry stores and hands out (Java's Avro prints its Jackson tree back in the same order and
// prints 1 and 1.0 differently). Output is compact and escaped as Jackson escapes.

#include "base/error.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ferry::avro {

class json {
public:
    enum class kind : uint8_t { null, boolean, integer, number, string, array, object };
    using members = std::vector<std::pair<std::string, json>>;
    using items = std::vector<json>;

    json() = default;
    static json null() { return json(); }
    static json boolean(bool b) { json j; j._k = kind::boolean; j._b = b; return j; }
    static json integer(int64_t i) { json j; j._k = kind::integer; j._i = i; return j; }
    static json number(double d) { json j; j._k = kind::number; j._d = d; return j; }
    static json string(std::string s) { json j; j._k = kind::string; j._s = std::move(s); return j; }
    static json array(items a = {}) { json j; j._k = kind::array; j._a = std::move(a); return j; }
    static json object(members m = {}) { json j; j._k = kind::object; j._o = std::move(m); return j; }

    kind type() const { return _k; }
    bool is_null() const { return _k == kind::null; }
    bool is_bool() const { return _k == kind::boolean; }
    bool is_integer() const { return _k == kind::integer; }
    bool is_number() const { return _k == kind::integer || _k == kind::number; }
    bool is_string() const { return _k == kind::string; }
    bool is_array() const { return _k == kind::array; }
    bool is_object() const { return _k == kind::object; }

    bool as_bool() const { return _b; }
    int64_t as_int() const { return _k == kind::integer ? _i : int64_t(_d); }
    double as_double() const { return _k == kind::integer ? double(_i) : _d; }
    const std::string& as_string() const { return _s; }
    const items& as_array() const { return _a; }
    items& as_array() { return _a; }
    const members& as_object() const { return _o; }
    members& as_object() { return _o; }

    // Object member lookup (first match), nullptr when absent or not an object.
    const json* get(std::string_view key) const;
    void set(std::string key, json v); // replaces an existing member in place, else appends

    friend bool operator==(const json& a, const json& b);

private:
    kind _k = kind::null;
    bool _b = false;
    int64_t _i = 0;
    double _d = 0;
    std::string _s;
    items _a;
    members _o;
};

// Parses a JSON document (whole input; trailing garbage is an error).
result<json> parse_json(std::string_view text);

// Compact output: no whitespace, Jackson's escaping (\" \\ \b \f \n \r \t, other control
// characters \u00XX, everything else verbatim), doubles as Java's Double.toString.
void write_json(const json& j, std::string& out);
std::string to_json(const json& j);
void write_json_string(std::string_view s, std::string& out);

} // namespace ferry::avro
