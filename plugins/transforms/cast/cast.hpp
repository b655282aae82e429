#pragma once
// org.apache.kafka.connect.transforms.Cast$Key / Cast$Value.
//
// `spec` is either one type for the whole key/value or `field:type,...` for top-level fields of a
// Struct (with schema) or Map (without). Targets: int8..int64, float32, float64, boolean, string;
// sources: those plus bytes (to string only, base64). Numbers narrow as Java's Number.xxxValue()
// does (wrapping, floats saturating), strings parse with Java's parsers, booleans are 1/0, and the
// logical types follow Java: Date/Time/Timestamp cast to numbers as their physical int/long and to
// strings in Values' ISO form; a Decimal casts like the BigDecimal it is in Java.
//
// Java quirks kept on purpose: a whole-value cast copies the name/version/doc/parameters of the
// original schema onto the new primitive schema; a schemaless field cast adds the field with a
// null value when the map lacks it; a struct schema with a default value cannot be cast.

#include "plugins/transforms/common/transform_util.hpp"

#include "ferry/transform/transformation.hpp"

#include <optional>
#include <string>
#include <vector>

namespace ferry::transforms {

class cast final : public transformation {
public:
    explicit cast(side s) : _side(s) {}
    static const config::config_def& definition();

    void configure(const config::config_map& config) override;
    const config::config_def& config() const override { return definition(); }
    bool apply(connect_record& record) override;

    // Casts one value (null stays null); `s` is its schema or nullptr. Throws data_error.
    static value cast_value(const schema* s, const value& v, schema_type target);

private:
    struct plan {
        schema_ptr updated;
        std::vector<std::optional<schema_type>> field_casts; // by field index of the input schema
    };
    const plan& plan_for(const schema_ptr& s);

    side _side;
    std::vector<std::pair<std::string, schema_type>> _casts;
    std::optional<schema_type> _whole;
    bool _replace_null_with_default = true;
    schema_keyed_cache<plan> _cache;
    std::vector<value> _scratch; // cast results of the in-place path, reused across records
};

} // namespace ferry::transforms
