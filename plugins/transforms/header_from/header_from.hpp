#pragma once
// org.apache.kafka.connect.transforms.HeaderFrom$Key / $Value: copies (`operation=copy`) or moves
// (`move`: also removes them from the key/value) the listed `fields` into headers named by the
// same position in `headers`. The header carries the field's schema (none when schemaless).

#include "plugins/transforms/common/transform_util.hpp"

#include "ferry/transform/transformation.hpp"

#include <string>
#include <vector>

namespace ferry::transforms {

class header_from final : public transformation {
public:
    explicit header_from(side s) : _side(s) {}
    static const config::config_def& definition();
    void configure(const config::config_map& config) override;
    const config::config_def& config() const override { return definition(); }
    bool apply(connect_record& record) override;

private:
    side _side;
    std::vector<std::string> _fields;
    std::vector<std::string> _headers;
    bool _move = false;
    bool _replace_null_with_default = true;
    schema_cache _move_cache;
};

} // namespace ferry::transforms
