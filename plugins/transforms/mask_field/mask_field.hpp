#pragma once
// org.apache.kafka.connect.transforms.MaskField$Key / $Value: replaces the listed fields with the
// "empty" value of their type (false, 0, 0.0, "", an empty list or map; Date/Time/Timestamp and
// Decimal become their zero), or with `replacement` converted to the field's type (numbers and
// strings only). Nulls stay null. Bytes and structs cannot be masked, as in Java.

#include "plugins/transforms/common/transform_util.hpp"

#include "ferry/transform/transformation.hpp"

#include <optional>
#include <string>
#include <vector>

namespace ferry::transforms {

class mask_field final : public transformation {
public:
    explicit mask_field(side s) : _side(s) {}
    static const config::config_def& definition();
    void configure(const config::config_map& config) override;
    const config::config_def& config() const override { return definition(); }
    bool apply(connect_record& record) override;

private:
    bool masked(const std::string& name) const;
    value mask(const schema* s, const value& v) const;

    side _side;
    std::vector<std::string> _fields;
    std::optional<std::string> _replacement;
    bool _replace_null_with_default = true;
};

} // namespace ferry::transforms
