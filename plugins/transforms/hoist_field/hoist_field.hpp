#pragma once
// org.apache.kafka.connect.transforms.HoistField$Key / $Value: wraps the key/value in a struct
// with the single field `field` (schema: a required struct with that field), or in a map
// {field: value} without a schema. A null value is wrapped too.

#include "plugins/transforms/common/transform_util.hpp"

#include "ferry/transform/transformation.hpp"

#include <string>

namespace ferry::transforms {

class hoist_field final : public transformation {
public:
    explicit hoist_field(side s) : _side(s) {}
    static const config::config_def& definition();
    void configure(const config::config_map& config) override;
    const config::config_def& config() const override { return definition(); }
    bool apply(connect_record& record) override;

private:
    side _side;
    std::string _field;
    schema_cache _cache;
};

} // namespace ferry::transforms
