#pragma once
// Golden test cases for converters: files of JSON arrays of cases, each describing Connect data
// (a schema and a value in the small notation below), a converter configuration and the exact
// bytes the converter must produce or accept. See tests/golden/README.md for the notation.

#include "ferry/data/schema.hpp"
#include "ferry/data/value.hpp"

#include <map>
#include <ostream>
#include <optional>
#include <string>
#include <vector>

namespace ferry::golden {

struct golden_case {
    std::string file;
    std::string name;
    std::map<std::string, std::string> config;
    std::string direction = "both"; // both | to_bytes | to_connect
    schema_ptr schema;
    value val;
    value schemaless_val;             // the same description read without a schema
    std::optional<std::string> bytes; // nullopt = null bytes (a tombstone, a null header)
    bool has_read = false;            // read_schema / read_value given
    schema_ptr read_schema;
    value read_val;
    std::optional<std::string> error; // expected data_error text (a substring)
    std::string key;                  // header converters: the header key
};

// Loads every *.json file of `dir`; `bytes_member` is the name of the member holding the bytes
// ("json" for JsonConverter, "text" for header converters).
std::vector<golden_case> load_cases(const std::string& dir, const std::string& bytes_member);

// The directory of golden files: $FERRY_SOURCE_DIR/tests/golden/<sub>, else the source tree
// this binary was built from.
std::string golden_dir(const std::string& sub);

// gtest prints parameters with this instead of dumping their bytes.
void PrintTo(const golden_case& c, std::ostream* os);

// A readable rendering of a value for failure messages.
std::string describe(const schema_ptr& s, const value& v);

} // namespace ferry::golden
