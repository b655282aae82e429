#pragma once
// Avro schema resolution as a compatibility check (Java's SchemaCompatibility.
// checkReaderWriterCompatibility): can data written with `writer` be read with `reader`?
//
// The registry's levels are built from it: BACKWARD = the new schema reads data of the previous
// one(s), FORWARD = the previous one(s) read data of the new one, FULL = both, *_TRANSITIVE =
// against every live version instead of only the latest.

#include "schema_registry/avro/schema.hpp"

#include <optional>
#include <string>
#include <vector>

namespace ferry::avro {

struct incompatibility {
    std::string type;     // Java's SchemaIncompatibilityType, e.g. READER_FIELD_MISSING_DEFAULT_VALUE
    std::string location; // JSON-pointer-like path in the reader, e.g. /fields/1/type
    std::string message;
    std::string additional_info;
    // Confluent's Difference.toString(): {errorType:'...', description:'...', additionalInfo:'...'}
    std::string describe() const;
};

std::vector<incompatibility> check_reader_writer(const node& reader, const node& writer);

enum class compatibility_level { none, backward, backward_transitive, forward, forward_transitive, full, full_transitive };
std::string_view level_name(compatibility_level l); // "BACKWARD" ...
std::optional<compatibility_level> parse_level(std::string_view s); // case-insensitive

struct previous_version {
    int version = 0;
    const node* schema = nullptr;
};

// Checks `candidate` against `previous` (oldest first, live versions only) at `level`; returns
// the messages Confluent reports (empty = compatible).
std::vector<std::string> check_compatibility(compatibility_level level, const node& candidate,
                                             const std::vector<previous_version>& previous);

} // namespace ferry::avro
