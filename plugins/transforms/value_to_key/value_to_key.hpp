#pragma once
// org.apache.kafka.connect.transforms.ValueToKey: the key becomes a struct (with schema) or map
// (without) of the listed `fields` of the value. With a schema, a listed field missing from the
// value schema is an error ("Field does not exist: x").

#include "plugins/transforms/common/transform_util.hpp"

#include "ferry/transform/transformation.hpp"

#include <string>
#include <vector>

namespace ferry::transforms {

class value_to_key final : public transformation {
public:
    static const config::config_def& definition();
    void configure(const config::config_map& config) override;
    const config::config_def& config() const override { return definition(); }
    bool apply(connect_record& record) override;

private:
    struct plan {
        schema_ptr key_schema;
        std::vector<int> source_index;
    };
    std::vector<std::string> _fields;
    bool _replace_null_with_default = true;
    schema_keyed_cache<plan> _cache;
};

} // namespace ferry::transforms
