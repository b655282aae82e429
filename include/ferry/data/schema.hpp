#pragma once
// The Connect data model: schemas. Mirrors org.apache.kafka.connect.data.Schema/SchemaBuilder.
//
// A schema is immutable once built and shared through schema_ptr (std::shared_ptr<const schema>),
// so records, converters and transforms pass schemas around without copying them. A null
// schema_ptr means "no schema" (schemaless data), exactly like a null Schema in Java.
//
// Logical types (Decimal, Date, Time, Timestamp and any connector-specific ones such as
// io.debezium.time.MicroTimestamp) are ordinary schemas whose `name` identifies them; values of
// logical types are carried in their physical form (see value.hpp).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ferry {

class value;
class schema;
using schema_ptr = std::shared_ptr<const schema>;

enum class schema_type : uint8_t {
    int8, int16, int32, int64, float32, float64, boolean, string, bytes, array, map, struct_
};

// Java's enum names: "INT8" ... "STRUCT".
std::string_view type_name(schema_type t);
// Lower-case names used in JSON schemas, except float32/float64 which JSON calls "float"/"double".
std::string_view json_type_name(schema_type t);
std::optional<schema_type> type_from_name(std::string_view name); // accepts both spellings
bool is_primitive(schema_type t);

struct field {
    std::string name;
    int index = 0;
    schema_ptr schema;
};

// Parameters keep insertion order (Java's SchemaBuilder uses a LinkedHashMap), which matters for
// byte-identical JSON output.
using schema_parameters = std::vector<std::pair<std::string, std::string>>;

class schema {
public:
    schema_type type() const { return _type; }
    bool optional() const { return _optional; }
    const value* default_value() const { return _default.get(); }
    const std::optional<std::string>& name() const { return _name; }
    const std::optional<int32_t>& version() const { return _version; }
    const std::optional<std::string>& doc() const { return _doc; }
    const schema_parameters& parameters() const { return _parameters; }
    const std::string* parameter(std::string_view key) const;

    // STRUCT only.
    const std::vector<field>& fields() const { return _fields; }
    const field* find_field(std::string_view name) const;
    // MAP: key_schema/value_schema. ARRAY: value_schema is the element schema.
    const schema_ptr& key_schema() const { return _key_schema; }
    const schema_ptr& value_schema() const { return _value_schema; }

    bool has_name(std::string_view n) const { return _name && *_name == n; }

    // Structural equality as Java's ConnectSchema.equals (type, optional, default, name, version,
    // doc, parameters, fields, key/value schemas).
    friend bool operator==(const schema& a, const schema& b);
    // The same, except that the optional flag of a and b themselves is not compared (their fields'
    // and elements' flags are): whether a required copy of one would equal the other, as Java
    // compares the copies it makes with SchemaBuilder/ConnectSchema to drop a schema's optional flag.
    friend bool equal_ignoring_optional(const schema& a, const schema& b);

    // Java's toString is "Schema{NAME:TYPE}" or "Schema{TYPE}"; used in error messages.
    std::string to_string() const;

private:
    friend class schema_builder;
    schema_type _type = schema_type::string;
    bool _optional = false;
    std::shared_ptr<const value> _default;
    std::optional<std::string> _name;
    std::optional<int32_t> _version;
    std::optional<std::string> _doc;
    schema_parameters _parameters;
    std::vector<field> _fields;
    schema_ptr _key_schema;
    schema_ptr _value_schema;
};

bool schema_equals(const schema_ptr& a, const schema_ptr& b); // null-safe, structural
// A hash consistent with operator== (it ignores defaults, which only equality compares), so
// converters can key caches by schema structure rather than by pointer.
size_t schema_hash(const schema& s);

class schema_builder {
public:
    explicit schema_builder(schema_type t);
    static schema_builder int8() { return schema_builder(schema_type::int8); }
    static schema_builder int16() { return schema_builder(schema_type::int16); }
    static schema_builder int32() { return schema_builder(schema_type::int32); }
    static schema_builder int64() { return schema_builder(schema_type::int64); }
    static schema_builder float32() { return schema_builder(schema_type::float32); }
    static schema_builder float64() { return schema_builder(schema_type::float64); }
    static schema_builder boolean() { return schema_builder(schema_type::boolean); }
    static schema_builder string() { return schema_builder(schema_type::string); }
    static schema_builder bytes() { return schema_builder(schema_type::bytes); }
    static schema_builder struct_() { return schema_builder(schema_type::struct_); }
    // Both throw data_error on a null schema, as Java does.
    static schema_builder array(schema_ptr element);
    static schema_builder map(schema_ptr key, schema_ptr value);
    // Like map() but either schema may be null: the "no common type" schemas that
    // Values.parseString infers (Java's SchemaBuilder.mapWithNullValues / mapOfNull). An ARRAY
    // without element schema is simply schema_builder(schema_type::array).
    static schema_builder map_nullable(schema_ptr key, schema_ptr value);

    // Setting optional/required, name, version, doc or the default a second time to a different
    // value throws data_error ("Invalid SchemaBuilder call: name has already been set.").
    schema_builder& optional();
    schema_builder& required();
    schema_builder& name(std::string n);
    schema_builder& version(int32_t v);
    schema_builder& doc(std::string d);
    schema_builder& parameter(std::string key, std::string value);
    // Throws data_error if the default does not validate against the schema being built.
    schema_builder& default_value(value v);
    // Throws data_error on a duplicate name or when the schema is not a struct.
    schema_builder& field(std::string name, schema_ptr schema);

    schema_ptr build() const;
    schema_type type() const { return _s._type; }

private:
    schema _s;
    bool _optional_set = false;
};

// Shared, pre-built schemas (Java's Schema.INT8_SCHEMA, OPTIONAL_INT8_SCHEMA, ...).
namespace schemas {
const schema_ptr& int8();
const schema_ptr& int16();
const schema_ptr& int32();
const schema_ptr& int64();
const schema_ptr& float32();
const schema_ptr& float64();
const schema_ptr& boolean();
const schema_ptr& string();
const schema_ptr& bytes();
const schema_ptr& optional_int8();
const schema_ptr& optional_int16();
const schema_ptr& optional_int32();
const schema_ptr& optional_int64();
const schema_ptr& optional_float32();
const schema_ptr& optional_float64();
const schema_ptr& optional_boolean();
const schema_ptr& optional_string();
const schema_ptr& optional_bytes();
// The schema of a primitive type, required or optional.
const schema_ptr& of(schema_type t, bool optional);
} // namespace schemas

} // namespace ferry
