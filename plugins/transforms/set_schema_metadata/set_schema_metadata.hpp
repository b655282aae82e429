#pragma once
// org.apache.kafka.connect.transforms.SetSchemaMetadata$Key / $Value: sets the key/value schema's
// name (`schema.name`) and/or version (`schema.version`), keeping everything else; a struct value
// is rebuilt under the new schema. Needs a schema (schemaless non-null data is an error).

#include "plugins/transforms/common/transform_util.hpp"

#include "ferry/transform/transformation.hpp"

#include <optional>
#include <string>

namespace ferry::transforms {

class set_schema_metadata final : public transformation {
public:
    explicit set_schema_metadata(side s) : _side(s) {}
    static const config::config_def& definition();
    void configure(const config::config_map& config) override;
    const config::config_def& config() const override { return definition(); }
    bool apply(connect_record& record) override;

private:
    schema_ptr updated_schema(const schema& s) const;

    side _side;
    std::optional<std::string> _name;
    std::optional<int32_t> _version;
    bool _replace_null_with_default = true;
    schema_cache _cache;
};

} // namespace ferry::transforms
