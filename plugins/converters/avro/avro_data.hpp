#pragma once
// AvroData: Connect schemas and values <-> Avro schemas and Avro binary (Confluent's
// io.confluent.connect.avro.AvroData), the part of the AvroConverter that knows no registry.
//
// Schemas. from_connect() builds the Avro schema Confluent's converter registers for a Connect
// schema, byte for byte in its canonical text (spec section 6: optional -> ["null",T] with default
// null, connect.doc/version/parameters/default/name/type properties in Java's order, Decimal as
// bytes with scale/precision, Date/Time/Timestamp logical types, maps with non-string keys as
// arrays of MapEntry records, ConnectDefault names for unnamed structs). to_connect() is the
// reverse (connect.* properties restore names, versions, parameters, INT8/INT16; ["null",T] is
// an optional T; other unions become io.confluent.connect.avro.Union structs).
//
// Values. encode() writes Avro binary for a Connect value straight into the caller's buffer,
// walking the Avro schema and the value together (no intermediate Avro object). decode() reads
// Avro binary written with a writer schema into Connect values of the reader's Connect schema,
// applying Avro's schema resolution (fields matched by name or alias, reader defaults for fields
// the writer lacks, skipped writer fields, int->long->float->double and string<->bytes
// promotions, enum symbols by name, union branches by type).
//
// Errors are data_error naming the field path. Threading: one instance per converter (per task).

#include "ferry/data/schema.hpp"
#include "ferry/data/value.hpp"
#include "schema_registry/avro/schema.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace ferry::avro_converter {

struct avro_data_config {
    bool connect_meta_data = true;
    bool enhanced_avro_schema_support = false;
    bool scrub_invalid_names = false;
    bool ignore_default_for_nullables = false;
    size_t cache_size = 1000;
};

class avro_data {
public:
    explicit avro_data(avro_data_config cfg = {}) : _cfg(cfg) {}

    // Connect schema -> Avro schema (throws data_error). Cached by schema object and structure.
    avro::schema_ptr from_connect(const schema_ptr& s);
    // Avro schema -> Connect schema (throws data_error for what Connect cannot hold).
    // `version`: set on the top-level schema when it has no connect.version (the registry version).
    schema_ptr to_connect(const avro::schema_ptr& s, std::optional<int32_t> version = std::nullopt);

    // Appends the Avro binary of `v` (with Connect schema `s`) written with Avro schema `n`.
    void encode(const avro::node& n, const schema_ptr& s, const value& v, std::string& out) const;
    // Decodes one datum written with `writer`, resolved to `reader`, into a value of `target`
    // (the Connect schema of `reader`). Advances `p`.
    value decode(const avro::node& writer, const avro::node& reader, const schema_ptr& target, const char*& p,
                 const char* end) const;

    size_t from_connect_cache_size() const { return _from_connect.size(); }

private:
    avro_data_config _cfg;
    struct from_entry {
        schema_ptr hold; // keeps the key pointer valid
        avro::schema_ptr avro;
    };
    std::unordered_map<const ferry::schema*, from_entry> _from_connect;
    std::unordered_multimap<size_t, from_entry> _from_connect_structural;
};

// Avro's zig-zag varints (exposed for tests and the fuzzer).
void write_long(int64_t v, std::string& out);
int64_t read_long(const char*& p, const char* end);

} // namespace ferry::avro_converter
