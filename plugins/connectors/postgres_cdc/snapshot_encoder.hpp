#pragma once
// Snapshot rows written straight into JsonConverter's bytes (source_record::encoded).
//
// Why: a snapshot is the connector's bulk path - every row of every table, as fast as COPY prints
// them. Built as Connect records, each row costs three structs, a value per column, the JSON
// rendering of all of it and the freeing afterwards: most of the CPU of a snapshot, on a machine
// where PostgreSQL, the broker and librdkafka need the same cores (bench/RESULTS.md). When the
// runtime offers its record format (no transforms; key and value converters both JsonConverter),
// the snapshot instead appends each row's JSON to the record's bytes, column by column, from the
// COPY text: an integer or boolean column is parsed and printed, a text column escaped, a
// timestamptz rearranged into Debezium's ZonedTimestamp, a fixed-scale numeric turned into its
// base64 unscaled value; and the envelope around them - `before`, the table's `source` block, `op`,
// the schemas when schemas.enable=true - is rendered once per table and copied.
//
// Byte-identity with the Connect path is the contract (record_format in source_task.hpp). It holds
// by construction where it is not trivial: every column this encoder does not print from its text
// (any other type, a masked or hashed column, a NULL where the schema has a default) is converted
// to its Connect value as before and rendered by a JsonConverter configured as the runtime's, with
// schemas off - or printed directly when it is a plain integer or string of a schema without a
// Connect logical type, which JsonConverter prints as it is; the static pieces are rendered by the
// same converter; and a table whose envelope is not Debezium's usual shape is not encoded at all.
// The envelope's ts_ms/ts_us/ts_ns come from a clock the task reads once per 64 rows of a batch
// (the Connect path reads it per row); they are the time the connector processed the rows either
// way. A row this encoder cannot write (a conversion JsonConverter refuses) is built as a Connect
// record instead, so the runtime's error handling (errors.tolerance, the dead letter queue) sees
// it exactly as before. Streaming is untouched: its events are few per transaction and go through
// the Connect records.
//
// Threading: used by the snapshot reader thread only.
#include "tables.hpp"

#include "ferry/connect/source_task.hpp"

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::json {
class json_converter;
}

namespace ferry::plugins::postgres_cdc {

// A Decimal's JSON under JsonConverter's decimal.format=BASE64, from PostgreSQL's text of a numeric
// with exactly `scale` fraction digits: the quoted base64 of the unscaled value's minimal big-endian
// two's complement (Java's BigInteger.toByteArray). False, and `out` unchanged, for anything else
// (more than 18 digits, NaN, another number of fraction digits): the caller converts it the general way.
bool append_decimal_base64(std::string& out, std::string_view text, int scale);

class snapshot_encoder {
public:
    // What the encoder asks of the task for a column it does not print itself.
    class values {
    public:
        virtual ~values() = default;
        // The column's Connect value (its conversion of the COPY text, or its NULL value).
        virtual value converted(size_t column) = 0;
        // The column's value after its column mapping (mask, hash, truncate).
        virtual value mapped(size_t column, value v) = 0;
    };

    // The encoder for `format`, or null when records must be built as Connect records (no format
    // offered, or a converter other than JsonConverter).
    static std::unique_ptr<snapshot_encoder> make(const record_format* format);
    ~snapshot_encoder();

    // Plans a table from its schemas and its snapshot `source` block (marker "true"); false when
    // its rows are built as Connect records.
    bool begin_table(const table_schema& ts, const value& source);

    // One row of the planned table, from its COPY fields. `key` is set null when the table has no
    // key. Throws data_error when a value cannot be rendered (the caller builds that row as a
    // Connect record). `source_at` receives the position of the source block in `val`.
    void encode_row(std::span<const std::optional<std::string_view>> fields, values& vals, int64_t now_ns, value& key,
                    value& val, size_t& source_at);

    // Replaces the source block at `source_at` of an encoded value with `source` rendered (another
    // snapshot marker).
    void replace_source(value& val, size_t source_at, const value& source);

private:
    snapshot_encoder() = default;
    struct column_plan;
    void write_column(std::string& out, const column_plan& c, const std::optional<std::string_view>& text, values& vals,
                      bool is_key);
    std::string render(json::json_converter& conv, const schema_ptr& s, const value& v);

    std::unique_ptr<json::json_converter> _key_conv, _val_conv; // schemas off: fragments
    bool _key_schemas = false, _val_schemas = false;
    bool _key_base64 = true, _val_base64 = true; // decimal.format=BASE64

    // The planned table.
    enum class how : uint8_t { int16, int32, int64, boolean, string, timestamptz, decimal, convert };
    struct column_plan {
        size_t column = 0;
        how kind = how::convert;
        bool mapped = false;        // a column mapping applies (value side only)
        bool null_is_null = false;  // a NULL renders as null (optional, no default)
        bool physical = false;      // no Connect logical type: JsonConverter prints the value as it is
        std::string name;           // ,"name": (the comma left out for the first field)
        schema_ptr schema;
        int digits = -1; // timestamptz: fraction digits; decimal: scale
    };
    std::vector<column_plan> _key_cols, _val_cols;
    bool _has_key = false;
    std::string _key_head, _key_tail; // around the key's fields
    std::string _val_head;            // up to the after struct's fields
    std::string _val_mid;             // after's closing brace, "source": (the block follows)
    std::string _source;              // the rendered source block
    std::string _val_tail;            // after the source block up to ts_ms's digits
    std::string _ts_text;             // _val_tail, the timestamps of _ts_ns, and the closing braces
    int64_t _ts_ns = 0;
    schema_ptr _source_schema;
    std::string _scratch;
};

} // namespace ferry::plugins::postgres_cdc
