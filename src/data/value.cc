#include "ferry/data/value.hpp"

#include "ferry/connect/errors.hpp"
#include "ferry/data/base64.hpp"
#include "ferry/data/logical.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>
#include <cstring>

namespace ferry {

namespace {

// Float.equals / Double.equals: bitwise, with every NaN equal to every other NaN (and 0.0 != -0.0).
bool java_float_equals(float a, float b) {
    if (std::isnan(a) && std::isnan(b)) return true;
    return std::bit_cast<uint32_t>(a) == std::bit_cast<uint32_t>(b);
}

bool java_double_equals(double a, double b) {
    if (std::isnan(a) && std::isnan(b)) return true;
    return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b);
}

// What getClass() prints for the Java object that Connect would hold for this kind.
std::string_view java_class_of(value::kind k) {
    switch (k) {
    case value::kind::null: return "null";
    case value::kind::boolean: return "class java.lang.Boolean";
    case value::kind::int8: return "class java.lang.Byte";
    case value::kind::int16: return "class java.lang.Short";
    case value::kind::int32: return "class java.lang.Integer";
    case value::kind::int64: return "class java.lang.Long";
    case value::kind::float32: return "class java.lang.Float";
    case value::kind::float64: return "class java.lang.Double";
    case value::kind::string: return "class java.lang.String";
    case value::kind::bytes: return "class [B";
    case value::kind::array: return "class java.util.ArrayList";
    case value::kind::map: return "class java.util.HashMap";
    case value::kind::struct_: return "class org.apache.kafka.connect.data.Struct";
    }
    return "unknown";
}

value::kind expected_kind(schema_type t) {
    switch (t) {
    case schema_type::int8: return value::kind::int8;
    case schema_type::int16: return value::kind::int16;
    case schema_type::int32: return value::kind::int32;
    case schema_type::int64: return value::kind::int64;
    case schema_type::float32: return value::kind::float32;
    case schema_type::float64: return value::kind::float64;
    case schema_type::boolean: return value::kind::boolean;
    case schema_type::string: return value::kind::string;
    case schema_type::bytes: return value::kind::bytes;
    case schema_type::array: return value::kind::array;
    case schema_type::map: return value::kind::map;
    case schema_type::struct_: return value::kind::struct_;
    }
    return value::kind::null;
}

void validate_at(const schema& s, const value& v, const std::string& location) {
    if (v.is_null()) {
        if (!s.optional())
            throw data_error(
                fmt::format("Invalid value: null used for required {}, schema type: {}", location, type_name(s.type())));
        return;
    }
    if (v.type() != expected_kind(s.type())) {
        std::string msg = "Invalid Java object for schema";
        if (s.name()) msg += fmt::format(" \"{}\"", *s.name());
        msg += fmt::format(" with type {}: {} for {}", type_name(s.type()), java_class_of(v.type()), location);
        throw data_error(msg);
    }
    switch (s.type()) {
    case schema_type::struct_: {
        const auto& st = v.as_struct();
        if (!st) throw data_error(fmt::format("Invalid value: null struct used for {}", location));
        if (!st->schema() || !(*st->schema() == s)) throw data_error("Struct schemas do not match.");
        st->validate();
        break;
    }
    case schema_type::array: {
        std::string entry = "element of array " + location;
        if (!s.value_schema()) throw data_error("No schema defined for " + entry);
        for (const auto& e : v.as_array()) validate_at(*s.value_schema(), e, entry);
        break;
    }
    case schema_type::map: {
        std::string key_loc = "key of map " + location;
        std::string value_loc = "value of map " + location;
        if (!s.key_schema()) throw data_error("No schema defined for " + key_loc);
        if (!s.value_schema()) throw data_error("No schema defined for " + value_loc);
        for (const auto& [k, e] : v.as_map()) {
            validate_at(*s.key_schema(), k, key_loc);
            validate_at(*s.value_schema(), e, value_loc);
        }
        break;
    }
    default: break;
    }
}

std::string location_of(std::string_view field_name) {
    return field_name.empty() ? std::string("value") : fmt::format("field: \"{}\"", field_name);
}

void append_java_string(std::string& out, const schema* s, const value& v);

void append_logical(std::string& out, const schema& s, const value& v, bool& done) {
    done = false;
    if (!s.name()) return;
    const std::string& n = *s.name();
    if (n == logical::decimal_name && v.type() == value::kind::bytes) {
        try {
            out += logical::decimal_to_java_string(v.as_bytes(), logical::decimal_scale(s));
            done = true;
        } catch (const data_error&) {
            // Unusable scale: fall back to the physical form.
        }
    } else if (n == logical::date_name && v.type() == value::kind::int32) {
        out += logical::format_java_date(int64_t(v.as_int32()) * 86400000);
        done = true;
    } else if (n == logical::time_name && v.type() == value::kind::int32) {
        out += logical::format_java_date(v.as_int32());
        done = true;
    } else if (n == logical::timestamp_name && v.type() == value::kind::int64) {
        out += logical::format_java_date(v.as_int64());
        done = true;
    }
}

void append_java_string(std::string& out, const schema* s, const value& v) {
    if (s) {
        bool done = false;
        append_logical(out, *s, v, done);
        if (done) return;
    }
    char buf[java_number_chars];
    switch (v.type()) {
    case value::kind::null: out += "null"; break;
    case value::kind::boolean: out += v.as_bool() ? "true" : "false"; break;
    case value::kind::int8: out += std::to_string(v.as_int8()); break;
    case value::kind::int16: out += std::to_string(v.as_int16()); break;
    case value::kind::int32: out += std::to_string(v.as_int32()); break;
    case value::kind::int64: out += std::to_string(v.as_int64()); break;
    case value::kind::float32: out.append(buf, java_float_to_chars(v.as_float32(), buf)); break;
    case value::kind::float64: out.append(buf, java_double_to_chars(v.as_float64(), buf)); break;
    case value::kind::string: out += v.as_string(); break;
    case value::kind::bytes: base64_encode(v.as_bytes(), out); break;
    case value::kind::array: {
        const schema* es = s ? s->value_schema().get() : nullptr;
        out.push_back('[');
        bool first = true;
        for (const auto& e : v.as_array()) {
            if (!first) out += ", ";
            first = false;
            append_java_string(out, es, e);
        }
        out.push_back(']');
        break;
    }
    case value::kind::map: {
        const schema* ks = s ? s->key_schema().get() : nullptr;
        const schema* vs = s ? s->value_schema().get() : nullptr;
        out.push_back('{');
        bool first = true;
        for (const auto& [k, e] : v.as_map()) {
            if (!first) out += ", ";
            first = false;
            append_java_string(out, ks, k);
            out.push_back('=');
            append_java_string(out, vs, e);
        }
        out.push_back('}');
        break;
    }
    case value::kind::struct_: {
        const auto& st = v.as_struct();
        if (!st) {
            out += "null";
            break;
        }
        out += "Struct{";
        bool first = true;
        const auto& fields = st->schema()->fields();
        for (size_t i = 0; i < fields.size(); ++i) {
            const value& fv = st->get(static_cast<int>(i));
            if (fv.is_null()) continue;
            if (!first) out.push_back(',');
            first = false;
            out += fields[i].name;
            out.push_back('=');
            append_java_string(out, fields[i].schema.get(), fv);
        }
        out.push_back('}');
        break;
    }
    }
}

} // namespace

std::string_view kind_name(value::kind k) {
    switch (k) {
    case value::kind::null: return "NULL";
    case value::kind::boolean: return "BOOLEAN";
    case value::kind::int8: return "INT8";
    case value::kind::int16: return "INT16";
    case value::kind::int32: return "INT32";
    case value::kind::int64: return "INT64";
    case value::kind::float32: return "FLOAT32";
    case value::kind::float64: return "FLOAT64";
    case value::kind::string: return "STRING";
    case value::kind::bytes: return "BYTES";
    case value::kind::array: return "ARRAY";
    case value::kind::map: return "MAP";
    case value::kind::struct_: return "STRUCT";
    }
    return "UNKNOWN";
}

int64_t value::to_int64() const {
    switch (type()) {
    case kind::int8: return as_int8();
    case kind::int16: return as_int16();
    case kind::int32: return as_int32();
    case kind::int64: return as_int64();
    default: throw std::bad_variant_access();
    }
}

double value::to_float64() const {
    switch (type()) {
    case kind::int8: return as_int8();
    case kind::int16: return as_int16();
    case kind::int32: return as_int32();
    case kind::int64: return static_cast<double>(as_int64());
    case kind::float32: return as_float32();
    case kind::float64: return as_float64();
    default: throw std::bad_variant_access();
    }
}

const value* value::map_get(std::string_view key) const {
    if (type() != kind::map) return nullptr;
    for (const auto& [k, v] : as_map())
        if (k.type() == kind::string && k.as_string() == key) return &v;
    return nullptr;
}

bool operator==(const value& a, const value& b) {
    if (a.type() != b.type()) return false;
    switch (a.type()) {
    case value::kind::null: return true;
    case value::kind::boolean: return a.as_bool() == b.as_bool();
    case value::kind::int8: return a.as_int8() == b.as_int8();
    case value::kind::int16: return a.as_int16() == b.as_int16();
    case value::kind::int32: return a.as_int32() == b.as_int32();
    case value::kind::int64: return a.as_int64() == b.as_int64();
    case value::kind::float32: return java_float_equals(a.as_float32(), b.as_float32());
    case value::kind::float64: return java_double_equals(a.as_float64(), b.as_float64());
    case value::kind::string: return a.as_string() == b.as_string();
    case value::kind::bytes: return a.as_bytes() == b.as_bytes();
    case value::kind::array: return a.as_array() == b.as_array();
    case value::kind::map: {
        // Java's Map.equals: the same entries, in any order.
        const auto& ma = a.as_map();
        const auto& mb = b.as_map();
        if (ma.size() != mb.size()) return false;
        for (const auto& entry : ma) {
            auto it = std::find_if(mb.begin(), mb.end(), [&](const auto& e) { return e.first == entry.first; });
            if (it == mb.end() || !(it->second == entry.second)) return false;
        }
        return true;
    }
    case value::kind::struct_: {
        const auto& sa = a.as_struct();
        const auto& sb = b.as_struct();
        if (sa == sb) return true;
        if (!sa || !sb) return false;
        return *sa == *sb;
    }
    }
    return false;
}

// --- struct_value ---

struct_value::struct_value(schema_ptr s) : _schema(std::move(s)) {
    if (!_schema || _schema->type() != schema_type::struct_)
        throw data_error(fmt::format("Not a struct schema: {}", _schema ? _schema->to_string() : "null"));
    _values.resize(_schema->fields().size());
}

void struct_value::reshape_unchecked(schema_ptr s) {
    assert(s && s->type() == schema_type::struct_);
    // Exactly the new field count: a struct that grows (InsertField) does so once per record,
    // and vector's doubling would allocate half as much again for nothing.
    _values.reserve(s->fields().size());
    _values.resize(s->fields().size());
    _schema = std::move(s);
}

const value& struct_value::get(std::string_view field_name) const {
    const field* f = _schema->find_field(field_name);
    if (!f) throw data_error(fmt::format("{} is not a valid field name", field_name));
    return _values[f->index];
}

const value& struct_value::get_or_default(std::string_view field_name) const {
    const field* f = _schema->find_field(field_name);
    if (!f) throw data_error(fmt::format("{} is not a valid field name", field_name));
    const value& v = _values[f->index];
    if (v.is_null() && f->schema->default_value()) return *f->schema->default_value();
    return v;
}

struct_value& struct_value::put(std::string_view field_name, value v) {
    const field* f = _schema->find_field(field_name);
    if (!f) throw data_error(fmt::format("{} is not a valid field name", field_name));
    return put(*f, std::move(v));
}

struct_value& struct_value::put(const field& f, value v) {
    validate_value(f.schema, v, f.name);
    _values[f.index] = std::move(v);
    return *this;
}

void struct_value::validate() const {
    for (const auto& f : _schema->fields()) {
        const value& v = _values[f.index];
        if (v.is_null() && (f.schema->optional() || f.schema->default_value())) continue;
        validate_value(f.schema, v, f.name);
    }
}

bool operator==(const struct_value& a, const struct_value& b) {
    return schema_equals(a._schema, b._schema) && a._values == b._values;
}

void validate_value(const schema_ptr& s, const value& v, std::string_view field_name) {
    if (!s) return;
    validate_at(*s, v, location_of(field_name));
}

std::string to_java_string(const value& v) {
    std::string out;
    append_java_string(out, nullptr, v);
    return out;
}

std::string to_java_string(const schema_ptr& s, const value& v) {
    std::string out;
    append_java_string(out, s.get(), v);
    return out;
}

} // namespace ferry
