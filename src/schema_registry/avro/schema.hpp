#pragma once
// Avro schemas: parsing, Java Avro's text form, Parsing Canonical Form, fingerprints.
//
// A schema is an immutable graph of nodes owned by one `schema` object and shared through
// schema_ptr (std::shared_ptr<const schema>); nodes point at each other with plain pointers, so
// recursive records need no reference counting and a node pointer stays valid as long as its
// schema lives. Converters key their caches by these pointers.
//
// canonical() is the text the Confluent registry stores and returns for a schema: Java Avro's
// Schema.toString() of the parsed schema - compact, keys in Avro's order, custom properties kept in
// document order (so "connect.*" metadata and logicalType survive), named types spelled out the
// first time and referred to by name afterwards. Two schemas are "the same schema" for the registry
// when their canonical() strings are equal.
//
// Parsing follows org.apache.avro.Schema.Parser: reserved keys are interpreted, every other key is
// a property; an invalid logical type is ignored but its "logicalType" property kept. With
// parse_options::validate (what the registry applies to schemas being registered) names must be
// valid Avro names and field defaults must match their types.

#include "base/error.hpp"
#include "schema_registry/avro/json.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ferry::avro {

enum class type : uint8_t {
    null_, boolean, int_, long_, float_, double_, bytes, string, record, enum_, array, map, union_, fixed
};
std::string_view type_name(type t); // "null", "boolean", ..., "union"
bool is_named(type t);

enum class logical : uint8_t {
    none, decimal, date, time_millis, time_micros, timestamp_millis, timestamp_micros,
    local_timestamp_millis, local_timestamp_micros, uuid, duration
};

using properties = std::vector<std::pair<std::string, json>>;

struct node;

enum class field_order : uint8_t { ascending, descending, ignore };

struct field {
    std::string name;
    const node* schema = nullptr;
    std::optional<std::string> doc;
    std::optional<json> default_value;
    field_order order = field_order::ascending;
    std::vector<std::string> aliases;
    properties props;
    int position = 0;

    const json* prop(std::string_view key) const;
};

struct node {
    avro::type type = avro::type::null_;
    // Named types (record, enum, fixed).
    std::string name;      // simple name
    std::string space;     // namespace, "" when none
    std::string full_name; // space.name or name
    std::optional<std::string> doc;
    std::vector<std::string> aliases; // full names
    bool is_error = false;            // an Avro "error" record
    std::vector<field> fields;        // record
    std::vector<std::string> symbols; // enum
    std::optional<std::string> enum_default;
    const node* items = nullptr;         // array: items, map: values
    std::vector<const node*> branches;   // union
    int32_t size = 0;                    // fixed
    properties props;                    // custom properties (logicalType included), document order
    avro::logical logical = avro::logical::none;
    int32_t precision = 0, scale = 0; // decimal

    const json* prop(std::string_view key) const;
    const std::string* prop_string(std::string_view key) const; // string-valued property or nullptr
    void add_prop(std::string key, json value);                  // keeps an existing key's position
    const field* find_field(std::string_view name) const;
    int null_branch() const; // union: index of the null branch, -1 when none
};

struct parse_options {
    bool validate = false; // strict names and default values (new registrations)
};

class schema;
using schema_ptr = std::shared_ptr<const schema>;

class schema {
public:
    static result<schema_ptr> parse(std::string_view text, const parse_options& opts = {});

    const node& root() const { return *_root; }
    // Java's Schema.toString(): what the registry stores, compares and returns.
    const std::string& canonical() const { return _canonical; }
    // Avro's Parsing Canonical Form and its CRC-64-AVRO fingerprint (signed, as Java returns it).
    std::string parsing_canonical_form() const;
    int64_t fingerprint64() const;

    // --- construction (AvroData builds schemas from Connect schemas) ---
    schema() = default;
    node* make(avro::type t);
    void set_root(const node* n) { _root = n; }
    // Validates logical types and renders canonical(); call once after building.
    void finish();

private:
    std::vector<std::unique_ptr<node>> _nodes;
    const node* _root = nullptr;
    std::string _canonical;
};

// Java's Schema.toString() of any node (used for canonical() and for messages).
std::string to_string(const node& n);
std::string parsing_canonical_form(const node& n);
int64_t fingerprint64(std::string_view bytes); // CRC-64-AVRO (Rabin)

// Sets logical/precision/scale from the "logicalType" property as LogicalTypes.fromSchemaIgnoreInvalid.
void resolve_logical(node& n);

// Whether `name` is a valid Avro name component ([A-Za-z_][A-Za-z0-9_]*).
bool valid_name(std::string_view name);

} // namespace ferry::avro
