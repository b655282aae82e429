#pragma once
// PostgreSQL types -> Connect schemas and values, as Debezium's PostgresValueConverter maps them
// (spec debezium-postgres.md section 5).
//
// Values arrive as text in both phases: pgoutput sends the type output function's text and the
// snapshot reads COPY ... TO STDOUT text, and both run with the session settings this connector
// sets (DateStyle ISO, TimeZone UTC, IntervalStyle postgres, bytea_output hex, lc_monetary C), so
// one parser per type serves snapshot and streaming alike and the two cannot disagree.
//
// A column_converter is built once per column when a table schema is (re)built; converting a
// value is a switch on its kind plus a small parser, with no lookups by name.

#include "config.hpp"

#include "ferry/data/schema.hpp"
#include "ferry/data/value.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ferry::plugins::postgres_cdc {

namespace oid {
inline constexpr uint32_t bool_ = 16, bytea = 17, char_ = 18, name = 19, int8 = 20, int2 = 21, int4 = 23, text = 25,
                          oid = 26, xid = 28, json = 114, xml = 142, point = 600, lseg = 601, path = 602, box = 603,
                          polygon = 604, line = 628, cidr = 650, float4 = 700, float8 = 701, circle = 718,
                          macaddr8 = 774, money = 790, macaddr = 829, inet = 869, bpchar = 1042, varchar = 1043,
                          date = 1082, time = 1083, timestamp = 1114, timestamptz = 1184, interval = 1186,
                          timetz = 1266, bit = 1560, varbit = 1562, numeric = 1700, uuid = 2950, tsvector = 3614,
                          jsonb = 3802, int4range = 3904, numrange = 3906, tsrange = 3908, tstzrange = 3910,
                          daterange = 3912, int8range = 3926;
} // namespace oid

// One row of pg_type (plus enum labels), enough to resolve domains, arrays and enums.
struct type_info {
    uint32_t oid = 0;
    std::string name;
    std::string nspname;
    char typtype = 'b';    // b base, e enum, d domain, c composite, r range, m multirange, p pseudo
    char category = 'U';   // typcategory: A = array
    uint32_t elem = 0;     // element type of an array
    uint32_t basetype = 0; // base type of a domain
    int32_t base_typmod = -1;
    std::vector<std::string> enum_labels; // in enumsortorder
};

class type_registry {
public:
    void add(type_info t) { _types[t.oid] = std::move(t); }
    const type_info* find(uint32_t oid) const {
        auto it = _types.find(oid);
        return it == _types.end() ? nullptr : &it->second;
    }
    bool empty() const { return _types.empty(); }
    void clear() { _types.clear(); }
    // Follows domains down to their base type (adopting the domain's typmod when the column has none).
    uint32_t resolve(uint32_t oid, int32_t& typmod) const;

private:
    std::unordered_map<uint32_t, type_info> _types;
};

// A column as the catalog describes it.
struct column_info {
    std::string name;
    uint32_t type_oid = 0;
    int32_t typmod = -1;
    bool optional = true;
    bool key = false;
    int key_seq = 0; // 1-based position in the key (primary key order)
    std::optional<std::string> default_expr; // pg_get_expr(adbin), as pgjdbc's COLUMN_DEF
    std::string type_name;                   // pgjdbc's TYPE_NAME: typname, or serial/bigserial/smallserial
};

enum class conv : uint8_t {
    drop, // unsupported type: the column is left out (include.unknown.datatypes=false)
    boolean,
    bit_bool,
    bits,
    int16,
    int32,
    int64,
    float32,
    float64,
    decimal,
    var_decimal,
    decimal_double,
    decimal_string,
    money_decimal,
    money_double,
    money_string,
    string,
    bytes,
    bytes_base64,
    bytes_base64_url,
    bytes_hex,
    unknown_bytes, // include.unknown.datatypes: the text, as bytes (or per binary mode)
    date_days,
    date_iso,
    time_ms,
    time_us,
    time_ns,
    time_iso,
    timestamp_ms,
    timestamp_us,
    timestamp_ns,
    timestamp_iso,
    timestamptz,
    timetz,
    interval_us,
    interval_string,
    point,
    circle,
    line,
    geometry_box,
    geometry_lseg,
    geometry_path,
    geometry_polygon,
    hstore_json,
    hstore_map,
    array,
};

struct column_converter {
    conv kind = conv::drop;
    schema_ptr schema;       // the field schema (optional when the column is nullable)
    int32_t scale = 0;       // decimal scale; fraction digits of timestamptz
    bool fixed_scale = true; // numeric with declared scale (setScale) vs unconstrained
    std::shared_ptr<const column_converter> element; // arrays
    // The toast placeholder kind Debezium picks from the type name (text[] -> list of strings ...).
    enum class toast { scalar, text_array, binary_array, int_array, bigint_array, uuid_array, hstore } toast_kind =
        toast::scalar;
};

class value_mapper {
public:
    value_mapper(const settings& s, const type_registry& types) : _s(s), _types(types) {}

    // The converter for a column; kind drop when the type is unsupported.
    column_converter make(const column_info& c) const;

    // Text (type output format) -> Connect value in its physical form. Throws data_error.
    value convert(const column_converter& cc, std::string_view text) const;
    // The value of a NULL: null for optional fields, else the schema default or Debezium's fallback.
    value null_value(const column_converter& cc) const;
    // The unchanged-TOAST placeholder for this column.
    value toast_placeholder(const column_converter& cc) const;

private:
    column_converter make_for(uint32_t oid, int32_t typmod, const std::string& type_name, bool optional,
                              bool array_element) const;
    value fallback(const column_converter& cc) const;
    std::optional<value> parse_default(const column_info& c, const column_converter& cc) const;

    const settings& _s;
    const type_registry& _types;
};

// --- helpers shared with tests ----------------------------------------------------------------

// Java's BigDecimal text of unscaled/scale after Debezium's scale rules; exposed for tests.
struct parsed_timestamp {
    int64_t epoch_seconds = 0;
    int32_t micros = 0;     // 0..999999
    int32_t offset_seconds = 0;
    bool has_offset = false;
    int special = 0;        // +1 infinity, -1 -infinity
};
// "2024-05-01 10:00:00.12345[+02[:30]][ BC]" / "infinity". False when malformed.
bool parse_pg_timestamp(std::string_view text, parsed_timestamp& out);
// "2024-05-01[ BC]" -> days since 1970-01-01.
bool parse_pg_date(std::string_view text, int32_t& days, int& special);
// "10:15:30.5" (hours may be 24) -> microseconds of the day; optional offset for timetz.
bool parse_pg_time(std::string_view text, int64_t& micros, int32_t* offset_seconds);
// ISO text of a UTC instant as java.time prints it: fraction_digits < 0 -> as many as needed (0-9
// digits, ISO_OFFSET_DATE_TIME), otherwise exactly that many.
std::string iso_instant(int64_t epoch_seconds, int32_t nanos, int fraction_digits);
// The same text for PostgreSQL's own rendering of a timestamptz in UTC ("2024-05-01 10:00:01.5+00",
// years 1-9999), which differs from the ISO form only in its separators, offset and fraction
// digits: copied instead of parsed and formatted again. nullopt for any other rendering.
std::optional<std::string> iso_instant_of_utc_text(std::string_view pg_text, int fraction_digits);
// The same appended to `out`; false (and `out` unchanged) when the text is not of that form.
bool append_iso_instant_of_utc_text(std::string& out, std::string_view pg_text, int fraction_digits);
// The order in which a java.util.HashMap<String, ...> filled with `keys` (in that order) iterates.
std::vector<size_t> java_hashmap_order(const std::vector<std::string>& keys);

} // namespace ferry::plugins::postgres_cdc
