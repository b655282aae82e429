#pragma once
// org.apache.kafka.connect.transforms.field.SingleFieldPath and FieldSyntaxVersion (KIP-821).
//
// V1: the path is one field name, dots included. V2: dots separate nested fields and a name that
// contains dots is wrapped in backticks ("`foo.bar`.baz"; "\`" escapes a backtick before a dot).

#include "ferry/config/config_def.hpp"
#include "ferry/data/schema.hpp"
#include "ferry/data/value.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace ferry::transforms {

enum class field_syntax_version { v1, v2 };

// The `field.syntax.version` key (STRING, default V1, case-insensitive V1|V2).
config::config_key field_syntax_version_key();
field_syntax_version field_syntax_version_from(const config::config_values& cfg);

class single_field_path {
public:
    // Throws config_error "Incomplete backtick pair in path: [...]" for a bad V2 path.
    single_field_path(std::string_view path, field_syntax_version version);

    const std::vector<std::string>& steps() const { return _steps; }
    // The field at the path, or nullptr.
    const field* field_from(const schema_ptr& s) const;
    // The value at the path of a struct (default used for a null last step when with_default),
    // or nullptr when a step is missing or a parent is null.
    const value* value_from(const struct_value& s, bool with_default) const;
    // The value at the path of a string-keyed map, or nullptr.
    const value* value_from(const value::map_type& m) const;

private:
    std::vector<std::string> _steps;
};

} // namespace ferry::transforms
