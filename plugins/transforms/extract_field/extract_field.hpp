#pragma once
// org.apache.kafka.connect.transforms.ExtractField$Key / $Value: replaces the key/value with one
// of its fields (Struct with schema, Map without); `field.syntax.version=V2` reaches nested fields
// with dotted paths. A null key/value stays null; with a schema, a field missing from the schema
// is an error ("Unknown field: <path>") even then, as in Java.

#include "plugins/transforms/common/field_path.hpp"
#include "plugins/transforms/common/transform_util.hpp"

#include "ferry/transform/transformation.hpp"

#include <optional>
#include <string>

namespace ferry::transforms {

class extract_field final : public transformation {
public:
    explicit extract_field(side s) : _side(s) {}
    static const config::config_def& definition();
    void configure(const config::config_map& config) override;
    const config::config_def& config() const override { return definition(); }
    bool apply(connect_record& record) override;

private:
    side _side;
    std::string _original_path;
    std::optional<single_field_path> _path;
    bool _replace_null_with_default = true;
};

} // namespace ferry::transforms
