#pragma once
// org.apache.kafka.connect.transforms.Flatten$Key / $Value: nested structs (or maps, without a
// schema) become top-level fields named parent<delimiter>child. Arrays stay as they are; a MAP
// field in a struct is an error. A flattened field is optional when any ancestor is, and takes
// its default from its own schema or from the ancestors' default structs.

#include "plugins/transforms/common/transform_util.hpp"

#include "ferry/transform/transformation.hpp"

#include <string>

namespace ferry::transforms {

class flatten final : public transformation {
public:
    explicit flatten(side s) : _side(s) {}
    static const config::config_def& definition();
    void configure(const config::config_map& config) override;
    const config::config_def& config() const override { return definition(); }
    bool apply(connect_record& record) override;

private:
    std::string field_name(const std::string& prefix, const std::string& name) const;
    void flatten_map(const value::map_type& in, const std::string& prefix, value::map_type& out) const;
    void build_schema(const schema& s, const std::string& prefix, schema_builder& out, bool optional,
                      const struct_value* default_from_parent) const;
    void flatten_struct(const struct_value* in, const std::string& prefix, struct_value& out) const;

    side _side;
    std::string _delimiter;
    schema_cache _cache;
};

} // namespace ferry::transforms
