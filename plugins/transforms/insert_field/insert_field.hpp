#pragma once
// org.apache.kafka.connect.transforms.InsertField$Key / $Value: adds the record's topic,
// partition, offset (sink records only), timestamp (Timestamp logical type) and/or a static
// string as fields. A field name ending in '!' makes the new field required, '?' (the default)
// optional. A null key/value passes through; a null partition or timestamp leaves the field null.

#include "plugins/transforms/common/transform_util.hpp"

#include "ferry/transform/transformation.hpp"

#include <optional>
#include <string>

namespace ferry::transforms {

class insert_field final : public transformation {
public:
    explicit insert_field(side s) : _side(s) {}
    static const config::config_def& definition();
    void configure(const config::config_map& config) override;
    const config::config_def& config() const override { return definition(); }
    bool apply(connect_record& record) override;

private:
    struct spec {
        std::string name;
        bool optional = true;
    };
    static std::optional<spec> parse_spec(const std::optional<std::string>& s);
    schema_ptr make_updated_schema(const schema& s) const;

    side _side;
    std::optional<spec> _topic, _partition, _offset, _timestamp, _static;
    std::optional<std::string> _static_value;
    bool _replace_null_with_default = true;
    schema_cache _cache;
};

} // namespace ferry::transforms
