#pragma once
// What every transform in plugins/transforms shares: the key/value side a `$Key`/`$Value` variant
// works on, Kafka's Requirements checks with their exact messages, SchemaUtil.copySchemaBasics,
// the struct accessors that honour replace.null.with.default, and the per-instance schema cache.
//
// Transforms edit the record in place (transformation.hpp); Java's `newRecord(...)` becomes an
// assignment to the operating schema/value, which keeps headers, timestamp and the sink record's
// offset exactly as Java's newRecord copies them.

#include "ferry/config/config_def.hpp"
#include "ferry/connect/errors.hpp"
#include "ferry/connect/record.hpp"
#include "ferry/data/schema.hpp"
#include "ferry/data/value.hpp"

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ferry::transforms {

// The version every Kafka transform reports (AppInfoParser.getVersion() of the Connect release we
// implement).
inline constexpr const char* kafka_version = "4.0.0";

enum class side { key, value };

inline schema_ptr& operating_schema(connect_record& r, side s) {
    return s == side::key ? r.key_schema : r.value_schema;
}
inline value& operating_value(connect_record& r, side s) {
    return s == side::key ? r.key : r.val;
}
inline const schema_ptr& operating_schema(const connect_record& r, side s) {
    return s == side::key ? r.key_schema : r.value_schema;
}
inline const value& operating_value(const connect_record& r, side s) {
    return s == side::key ? r.key : r.val;
}

// The name Java's getClass().getName() gives the object Connect holds for a value of this kind:
// "java.lang.Integer", "[B", "org.apache.kafka.connect.data.Struct", ... ("null" for null).
std::string_view java_class_name(const value& v);
// getClass().toString(): "class java.lang.Integer" ("null" for null).
std::string java_class(const value& v);

// Requirements.requireMap / requireStruct / requireSinkRecord / requireSchema with Kafka's messages:
//   Only Map objects supported in absence of schema for [<purpose>], found: <class name>
//   Only Struct objects supported for [<purpose>], found: <class name>
value::map_type& require_map(value& v, std::string_view purpose);
const value::map_type& require_map(const value& v, std::string_view purpose);
const struct_ptr& require_struct(const value& v, std::string_view purpose);
void require_sink_record(const connect_record& r, std::string_view purpose);
void require_schema(const schema_ptr& s, std::string_view purpose);
// "org.apache.kafka.connect.sink.SinkRecord" or "...source.SourceRecord".
std::string_view record_class_name(const connect_record& r);
// ConnectRecord.toString() (SinkRecord/SourceRecord prefix included), for messages that print a
// whole record as Java does.
std::string record_to_string(const connect_record& r);

// SchemaUtil.copySchemaBasics: name, version, doc and parameters (not optionality or default).
schema_builder& copy_schema_basics(const schema& source, schema_builder& builder);
// The one-argument form: a builder of the same type (ARRAY keeps its element schema).
schema_builder copy_schema_basics(const schema& source);

// Struct.get(field) (the default replaces a null) or Struct.getWithoutDefault, as the transform's
// replace.null.with.default says.
inline const value& field_value(const struct_value& s, const field& f, bool replace_null_with_default) {
    const value& v = s.get(f);
    if (replace_null_with_default && v.is_null() && f.schema->default_value()) return *f.schema->default_value();
    return v;
}

// Struct.put for a value taken from another struct under the very same field schema: Java
// validates it again, which can only fail for null in a required field (everything else was
// valid when the source struct was built), so only that case is checked - deep validation of
// nested structs on every record would dominate the cost of the simple transforms.
inline void put_copied(struct_value& s, const field& f, value v) {
    if (v.is_null() && !f.schema->optional()) {
        s.put(f, std::move(v)); // throws Java's "Invalid value: null used for required field"
        return;
    }
    s.put_unchecked(f.index, std::move(v));
}

// Struct.put for a value the transform produced itself. Java validates every put; a value whose
// kind already matches a primitive field schema (or a null for an optional field) cannot fail
// that validation, so it is stored directly - the validating path builds an error location string
// on every call, which would dominate the cost of InsertField or Cast. Anything else (structs,
// arrays, maps, mismatches, null for a required field) goes through the full check.
inline bool fits_directly(const field& f, const value& v) {
    schema_type t = f.schema->type();
    switch (v.type()) {
    case value::kind::null:
        return f.schema->optional();
    case value::kind::boolean:
        return t == schema_type::boolean;
    case value::kind::int8:
        return t == schema_type::int8;
    case value::kind::int16:
        return t == schema_type::int16;
    case value::kind::int32:
        return t == schema_type::int32;
    case value::kind::int64:
        return t == schema_type::int64;
    case value::kind::float32:
        return t == schema_type::float32;
    case value::kind::float64:
        return t == schema_type::float64;
    case value::kind::string:
        return t == schema_type::string;
    case value::kind::bytes:
        return t == schema_type::bytes;
    default:
        return false;
    }
}

inline void put_value(struct_value& s, const field& f, value v) {
    if (fits_directly(f, v))
        s.put_unchecked(f.index, std::move(v));
    else
        s.put(f, std::move(v));
}

// put_value's validation without the put: throws what Struct.put would for `v` in `f`. For the
// in-place paths, which check every value before they change the struct.
inline void check_value(const field& f, const value& v) {
    if (!fits_directly(f, v)) validate_value(f.schema, v, f.name);
}

// put_copied's check without the put, for a value already read through field_value().
inline void check_copied(const field& f, const value& v) {
    if (v.is_null() && !f.schema->optional()) validate_value(f.schema, v, f.name);
}

// Whether a transform may rewrite the struct in place: the record holds the only reference (see
// value.hpp). Anything else shares it, and it must stay as it is.
inline bool uniquely_owned(const struct_ptr& s) {
    return s.use_count() == 1;
}

// In place, what field_value() would read: a null becomes the field's default when
// replace.null.with.default says so.
inline void apply_default(value& v, const field& f, bool replace_null_with_default) {
    if (replace_null_with_default && v.is_null() && f.schema->default_value()) v = *f.schema->default_value();
}

// The schema cache Kafka's transforms keep (an LRU of 16 keyed by Schema.equals), holding what a
// transform derives from an input schema (the updated schema, often with a per-field plan).
// Lookups go by pointer first, so a stream of records sharing one schema object costs a pointer
// comparison; a structurally equal schema under a new pointer is found by comparison and
// remembered under that pointer too. Keys are held (shared_ptr) so a pointer cannot be reused for
// another schema while it is cached. One instance per transform; transforms run on one task
// thread, so there is no locking.
template <class V> class schema_keyed_cache {
public:
    explicit schema_keyed_cache(size_t capacity = 16) : _capacity(capacity) {}

    // The cached entry for `key`, or nullptr.
    V* find(const schema_ptr& key) {
        for (size_t i = 0; i < _entries.size(); ++i)
            if (_entries[i].first == key) return &promote(i);
        for (size_t i = 0; i < _entries.size(); ++i)
            if (schema_equals(_entries[i].first, key)) {
                V copy = _entries[i].second; // shared pointers inside: cheap
                return &put(key, std::move(copy));
            }
        return nullptr;
    }
    V& put(const schema_ptr& key, V v) {
        if (_entries.size() >= _capacity) _entries.pop_back();
        _entries.insert(_entries.begin(), {key, std::move(v)});
        return _entries.front().second;
    }
    template <class Build> V& get_or_build(const schema_ptr& key, Build&& build) {
        if (!_entries.empty() && _entries.front().first == key) return _entries.front().second;
        if (V* hit = find(key)) return *hit;
        return put(key, build());
    }
    size_t size() const { return _entries.size(); }
    void clear() { _entries.clear(); }

private:
    V& promote(size_t i) {
        if (i != 0)
            std::rotate(_entries.begin(), _entries.begin() + static_cast<std::ptrdiff_t>(i),
                        _entries.begin() + static_cast<std::ptrdiff_t>(i) + 1);
        return _entries.front().second;
    }
    size_t _capacity;
    std::vector<std::pair<schema_ptr, V>> _entries; // most recently used first
};
using schema_cache = schema_keyed_cache<schema_ptr>;

// A field value for a struct being rebuilt: moved out when the record held the only reference to
// the old struct (nobody else can observe it, and the record drops it right after), copied
// otherwise. replace.null.with.default applies as in field_value().
inline value take_field(const struct_ptr& s, bool sole_owner, const field& f, bool replace_null_with_default) {
    const value& v = s->get(f);
    if (v.is_null()) {
        if (replace_null_with_default && f.schema->default_value()) return *f.schema->default_value();
        return value();
    }
    if (sole_owner) return std::move(const_cast<value&>(v));
    return v;
}

// Java's String.split(regex) for a single-character literal separator: trailing empty strings
// are removed ("a:b:".split(":") = [a, b]) and an empty input gives [""].
std::vector<std::string> java_split(std::string_view s, char sep);
// String.trim(): drops leading/trailing characters <= U+0020.
std::string_view java_trim(std::string_view s);

// Shorthands for config tables.
config::config_key key_replace_null_with_default();

} // namespace ferry::transforms
