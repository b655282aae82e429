#include "ferry/data/schema.hpp"

#include "ferry/connect/errors.hpp"
#include "ferry/data/value.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <functional>

namespace ferry {

namespace {

constexpr std::array<std::string_view, 12> k_type_names = {"INT8",  "INT16",  "INT32", "INT64", "FLOAT32", "FLOAT64",
                                                            "BOOLEAN", "STRING", "BYTES", "ARRAY", "MAP",   "STRUCT"};
constexpr std::array<std::string_view, 12> k_json_type_names = {"int8",    "int16",  "int32", "int64", "float", "double",
                                                                "boolean", "string", "bytes", "array", "map",   "struct"};

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

// Java compares parameters as maps: order does not matter.
bool parameters_equal(const schema_parameters& a, const schema_parameters& b) {
    if (a.size() != b.size()) return false;
    for (const auto& entry : a) {
        auto it = std::find_if(b.begin(), b.end(), [&](const auto& p) { return p.first == entry.first; });
        if (it == b.end() || it->second != entry.second) return false;
    }
    return true;
}

bool default_equal(const value* a, const value* b) {
    if (a == nullptr || b == nullptr) return a == b;
    return *a == *b;
}

inline void hash_mix(size_t& seed, size_t h) { seed ^= h + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2); }

} // namespace

std::string_view type_name(schema_type t) { return k_type_names[static_cast<size_t>(t)]; }

std::string_view json_type_name(schema_type t) { return k_json_type_names[static_cast<size_t>(t)]; }

std::optional<schema_type> type_from_name(std::string_view name) {
    for (size_t i = 0; i < k_type_names.size(); ++i) {
        if (iequals(name, k_type_names[i]) || name == k_json_type_names[i]) return static_cast<schema_type>(i);
    }
    return std::nullopt;
}

bool is_primitive(schema_type t) {
    return t != schema_type::array && t != schema_type::map && t != schema_type::struct_;
}

const std::string* schema::parameter(std::string_view key) const {
    for (const auto& [k, v] : _parameters)
        if (k == key) return &v;
    return nullptr;
}

const field* schema::find_field(std::string_view n) const {
    for (const auto& f : _fields)
        if (f.name == n) return &f;
    return nullptr;
}

bool operator==(const schema& a, const schema& b) {
    return a._optional == b._optional && equal_ignoring_optional(a, b);
}

bool equal_ignoring_optional(const schema& a, const schema& b) {
    if (&a == &b) return true;
    if (a._type != b._type || a._version != b._version || a._name != b._name || a._doc != b._doc) return false;
    if (!default_equal(a._default.get(), b._default.get())) return false;
    if (a._fields.size() != b._fields.size()) return false;
    for (size_t i = 0; i < a._fields.size(); ++i) {
        const auto& fa = a._fields[i];
        const auto& fb = b._fields[i];
        if (fa.name != fb.name || fa.index != fb.index || !schema_equals(fa.schema, fb.schema)) return false;
    }
    return schema_equals(a._key_schema, b._key_schema) && schema_equals(a._value_schema, b._value_schema) &&
           parameters_equal(a._parameters, b._parameters);
}

std::string schema::to_string() const {
    if (_name) return fmt::format("Schema{{{}:{}}}", *_name, type_name(_type));
    return fmt::format("Schema{{{}}}", type_name(_type));
}

bool schema_equals(const schema_ptr& a, const schema_ptr& b) {
    if (a == b) return true;
    if (!a || !b) return false;
    return *a == *b;
}

size_t schema_hash(const schema& s) {
    std::hash<std::string_view> hs;
    size_t h = static_cast<size_t>(s.type()) * 31 + (s.optional() ? 1 : 0);
    if (s.name()) hash_mix(h, hs(*s.name()));
    if (s.version()) hash_mix(h, static_cast<size_t>(*s.version()));
    if (s.doc()) hash_mix(h, hs(*s.doc()));
    size_t params = 0; // order-insensitive, as equality
    for (const auto& [k, v] : s.parameters()) params += hs(k) * 7 + hs(v);
    hash_mix(h, params);
    for (const auto& f : s.fields()) {
        hash_mix(h, hs(f.name));
        hash_mix(h, f.schema ? schema_hash(*f.schema) : 0);
    }
    if (s.key_schema()) hash_mix(h, schema_hash(*s.key_schema()));
    if (s.value_schema()) hash_mix(h, schema_hash(*s.value_schema()));
    return h;
}

// --- schema_builder ---

schema_builder::schema_builder(schema_type t) { _s._type = t; }

schema_builder schema_builder::array(schema_ptr element) {
    if (!element) throw data_error("valueSchema cannot be null.");
    schema_builder b(schema_type::array);
    b._s._value_schema = std::move(element);
    return b;
}

schema_builder schema_builder::map(schema_ptr key, schema_ptr value) {
    if (!key) throw data_error("keySchema cannot be null.");
    if (!value) throw data_error("valueSchema cannot be null.");
    return map_nullable(std::move(key), std::move(value));
}

schema_builder schema_builder::map_nullable(schema_ptr key, schema_ptr value) {
    schema_builder b(schema_type::map);
    b._s._key_schema = std::move(key);
    b._s._value_schema = std::move(value);
    return b;
}

schema_builder& schema_builder::optional() {
    if (_optional_set && !_s._optional) throw data_error("Invalid SchemaBuilder call: optional has already been set.");
    _optional_set = true;
    _s._optional = true;
    return *this;
}

schema_builder& schema_builder::required() {
    if (_optional_set && _s._optional) throw data_error("Invalid SchemaBuilder call: optional has already been set.");
    _optional_set = true;
    _s._optional = false;
    return *this;
}

schema_builder& schema_builder::name(std::string n) {
    if (_s._name && *_s._name != n) throw data_error("Invalid SchemaBuilder call: name has already been set.");
    _s._name = std::move(n);
    return *this;
}

schema_builder& schema_builder::version(int32_t v) {
    if (_s._version && *_s._version != v) throw data_error("Invalid SchemaBuilder call: version has already been set.");
    _s._version = v;
    return *this;
}

schema_builder& schema_builder::doc(std::string d) {
    if (_s._doc && *_s._doc != d) throw data_error("Invalid SchemaBuilder call: doc has already been set.");
    _s._doc = std::move(d);
    return *this;
}

schema_builder& schema_builder::parameter(std::string key, std::string value) {
    for (auto& [k, v] : _s._parameters) {
        if (k == key) { // LinkedHashMap.put keeps the original position
            v = std::move(value);
            return *this;
        }
    }
    _s._parameters.emplace_back(std::move(key), std::move(value));
    return *this;
}

schema_builder& schema_builder::default_value(value v) {
    if (_s._default && !(*_s._default == v))
        throw data_error("Invalid SchemaBuilder call: default has already been set.");
    // Validated against the schema as built so far, as Java validates against the builder itself.
    auto current = std::make_shared<const schema>(_s);
    try {
        validate_value(current, v);
    } catch (const data_error& e) {
        throw data_error(fmt::format("Invalid default value: {}", e.what()));
    }
    if (v.is_null()) {
        _s._default.reset();
    } else {
        _s._default = std::make_shared<const value>(std::move(v));
    }
    return *this;
}

schema_builder& schema_builder::field(std::string field_name, schema_ptr field_schema) {
    if (_s._type != schema_type::struct_)
        throw data_error(fmt::format("Cannot create fields on type {}", type_name(_s._type)));
    if (field_name.empty()) throw data_error("fieldName cannot be null.");
    if (!field_schema) throw data_error(fmt::format("fieldSchema for field {} cannot be null.", field_name));
    if (_s.find_field(field_name))
        throw data_error(fmt::format("Cannot create field because of field name duplication {}", field_name));
    int index = static_cast<int>(_s._fields.size());
    _s._fields.push_back(ferry::field{std::move(field_name), index, std::move(field_schema)});
    return *this;
}

schema_ptr schema_builder::build() const { return std::make_shared<const schema>(_s); }

// --- predefined schemas ---

namespace schemas {

namespace {
schema_ptr make(schema_type t, bool optional) {
    schema_builder b(t);
    if (optional) b.optional();
    return b.build();
}

struct table {
    std::array<schema_ptr, 9> required;
    std::array<schema_ptr, 9> optional;
    table() {
        for (size_t i = 0; i < 9; ++i) {
            required[i] = make(static_cast<schema_type>(i), false);
            optional[i] = make(static_cast<schema_type>(i), true);
        }
    }
};

const table& primitives() {
    static const table t;
    return t;
}
} // namespace

const schema_ptr& int8() { return primitives().required[0]; }
const schema_ptr& int16() { return primitives().required[1]; }
const schema_ptr& int32() { return primitives().required[2]; }
const schema_ptr& int64() { return primitives().required[3]; }
const schema_ptr& float32() { return primitives().required[4]; }
const schema_ptr& float64() { return primitives().required[5]; }
const schema_ptr& boolean() { return primitives().required[6]; }
const schema_ptr& string() { return primitives().required[7]; }
const schema_ptr& bytes() { return primitives().required[8]; }
const schema_ptr& optional_int8() { return primitives().optional[0]; }
const schema_ptr& optional_int16() { return primitives().optional[1]; }
const schema_ptr& optional_int32() { return primitives().optional[2]; }
const schema_ptr& optional_int64() { return primitives().optional[3]; }
const schema_ptr& optional_float32() { return primitives().optional[4]; }
const schema_ptr& optional_float64() { return primitives().optional[5]; }
const schema_ptr& optional_boolean() { return primitives().optional[6]; }
const schema_ptr& optional_string() { return primitives().optional[7]; }
const schema_ptr& optional_bytes() { return primitives().optional[8]; }

const schema_ptr& of(schema_type t, bool optional) {
    assert(is_primitive(t));
    auto i = static_cast<size_t>(t);
    return optional ? primitives().optional[i] : primitives().required[i];
}

} // namespace schemas

} // namespace ferry
