#pragma once
// Connect values. A `value` is a tagged union of everything a Connect schema can describe:
// null, the primitives, strings, bytes, arrays, maps and structs.
//
// Values of logical types are carried in their physical form, as the schema's physical type says:
//   Decimal   -> bytes (big-endian two's-complement unscaled value; the scale is the schema's
//                "scale" parameter) - see logical.hpp for conversions to/from text
//   Date      -> int32 days since the epoch       Time      -> int32 ms since midnight
//   Timestamp -> int64 ms since the epoch          (and so on for connector logical types)
// This keeps converters and transforms simple and makes the physical encoding the only one.
//
// Maps keep entry order (vector of pairs) and allow any key type, as Connect does.
// Structs are held by shared pointer: copying a record shares its structs, which are treated as
// immutable once they are inside a record (build a new struct to change one, as Java SMTs do).
// One exception: a struct uniquely owned by the record being transformed (the record's struct_ptr
// has use_count() == 1) may be edited in place by that transform - reshape_unchecked() and
// mutable_values() - because nobody else can observe it. A struct shared with anything else
// (another record, a copy a task or test kept, the key and the value of one record) is never
// mutated: the transform builds a new struct from copies instead. Editing in place must leave
// the struct valid for its new schema, and should check everything that can fail before it
// changes anything, so a transform that throws leaves the record as it found it.

#include "ferry/data/schema.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace ferry {

class struct_value;
using struct_ptr = std::shared_ptr<struct_value>;

class value {
public:
    enum class kind : uint8_t {
        null, boolean, int8, int16, int32, int64, float32, float64, string, bytes, array, map, struct_
    };
    using array_type = std::vector<value>;
    using map_type = std::vector<std::pair<value, value>>;
    struct bytes_type {
        std::string data;
        friend bool operator==(const bytes_type&, const bytes_type&) = default;
    };

    value() = default;
    value(std::nullptr_t) {}
    explicit value(bool b) : _v(b) {}
    explicit value(int8_t v) : _v(v) {}
    explicit value(int16_t v) : _v(v) {}
    explicit value(int32_t v) : _v(v) {}
    explicit value(int64_t v) : _v(v) {}
    explicit value(float v) : _v(v) {}
    explicit value(double v) : _v(v) {}
    explicit value(std::string s) : _v(std::move(s)) {}
    explicit value(std::string_view s) : _v(std::string(s)) {}
    explicit value(const char* s) : _v(std::string(s)) {}
    explicit value(bytes_type b) : _v(std::move(b)) {}
    explicit value(array_type a) : _v(std::move(a)) {}
    explicit value(map_type m) : _v(std::move(m)) {}
    explicit value(struct_ptr s) : _v(std::move(s)) {}

    static value bytes(std::string b) { return value(bytes_type{std::move(b)}); }
    static value string(std::string s) { return value(std::move(s)); }

    kind type() const { return static_cast<kind>(_v.index()); }
    bool is_null() const { return _v.index() == 0; }

    bool as_bool() const { return std::get<bool>(_v); }
    int8_t as_int8() const { return std::get<int8_t>(_v); }
    int16_t as_int16() const { return std::get<int16_t>(_v); }
    int32_t as_int32() const { return std::get<int32_t>(_v); }
    int64_t as_int64() const { return std::get<int64_t>(_v); }
    float as_float32() const { return std::get<float>(_v); }
    double as_float64() const { return std::get<double>(_v); }
    const std::string& as_string() const { return std::get<std::string>(_v); }
    std::string& as_string() { return std::get<std::string>(_v); }
    const std::string& as_bytes() const { return std::get<bytes_type>(_v).data; }
    std::string& as_bytes() { return std::get<bytes_type>(_v).data; }
    const array_type& as_array() const { return std::get<array_type>(_v); }
    array_type& as_array() { return std::get<array_type>(_v); }
    const map_type& as_map() const { return std::get<map_type>(_v); }
    map_type& as_map() { return std::get<map_type>(_v); }
    const struct_ptr& as_struct() const { return std::get<struct_ptr>(_v); }

    bool is_integer() const { auto k = type(); return k >= kind::int8 && k <= kind::int64; }
    // Any integer kind widened to int64 (throws std::bad_variant_access otherwise).
    int64_t to_int64() const;
    // Any numeric kind widened to double.
    double to_float64() const;

    // For maps with string keys: the value of `key`, or nullptr.
    const value* map_get(std::string_view key) const;

    // Deep equality; structs compare schema and values, floats compare bitwise-by-value as Java's
    // Objects.equals would (NaN equals NaN).
    friend bool operator==(const value& a, const value& b);

    const auto& variant() const { return _v; }

private:
    std::variant<std::monostate, bool, int8_t, int16_t, int32_t, int64_t, float, double, std::string,
                 bytes_type, array_type, map_type, struct_ptr>
        _v;
};

std::string_view kind_name(value::kind k);

// A Struct: a schema of type STRUCT plus one value per field (null when unset).
class struct_value {
public:
    explicit struct_value(schema_ptr s);

    const schema_ptr& schema() const { return _schema; }
    // Throws data_error if the field does not exist.
    const value& get(std::string_view field_name) const;
    const value& get(const field& f) const { return _values[f.index]; }
    const value& get(int index) const { return _values[index]; }
    // The field's value, or the field schema's default when the value is null.
    const value& get_or_default(std::string_view field_name) const;
    // Validates the value against the field's schema; throws data_error.
    struct_value& put(std::string_view field_name, value v);
    struct_value& put(const field& f, value v);
    // Sets without validation; for converters that build values already known to match.
    void put_unchecked(int index, value v) { _values[index] = std::move(v); }

    // In-place rewriting, only for the holder of the sole reference (see the comment at the top):
    // adopts `s` (a struct schema) and resizes the values to its field count, new slots null.
    // Values keep their positions; the caller moves them into their new slots through
    // mutable_values(), before or after, so that each fits its field - nothing is validated here.
    void reshape_unchecked(schema_ptr s);
    std::vector<value>& mutable_values() { return _values; }

    // Every required field set and every value valid; throws data_error naming the field.
    void validate() const;

    const std::vector<value>& values() const { return _values; }
    friend bool operator==(const struct_value& a, const struct_value& b);

private:
    schema_ptr _schema;
    std::vector<value> _values;
};

inline struct_ptr make_struct(schema_ptr s) { return std::make_shared<struct_value>(std::move(s)); }

// Java's ConnectSchema.validateValue: throws data_error when `v` does not fit `s` (null schema
// accepts anything). `field_name` only enriches the message.
void validate_value(const schema_ptr& s, const value& v, std::string_view field_name = {});

// Java's toString of a Connect value (what FileStreamSink and StringConverter write):
// Struct{a=1,b=x}, {k=v, k2=v2} for maps, [1, 2] for lists, Java's Double/Float formatting.
std::string to_java_string(const value& v);
// The same, knowing the value's schema: logical types print as their Java objects do
// (Decimal as BigDecimal.toString(), Date/Time/Timestamp as java.util.Date.toString() in UTC).
// Struct fields always use their field schemas. Bytes, whose Java form prints an identity hash
// ("[B@1b6d3586"), print as base64 instead.
std::string to_java_string(const schema_ptr& s, const value& v);

// Java's Double.toString / Float.toString (the shortest representation that reads back to the
// same number, as JDK 19+ and Jackson print it): 1.0, 100.0, 1.0E10, 1.234E-5, NaN, -Infinity.
std::string java_double_to_string(double d);
std::string java_float_to_string(float f);
// The same into `buf` (at least java_number_chars long), returning the length; no allocation.
inline constexpr size_t java_number_chars = 32;
size_t java_double_to_chars(double d, char* buf);
size_t java_float_to_chars(float f, char* buf);

} // namespace ferry
