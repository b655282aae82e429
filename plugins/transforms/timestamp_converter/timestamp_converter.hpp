#pragma once
// org.apache.kafka.connect.transforms.TimestampConverter$Key / $Value: converts a timestamp (the
// whole key/value, or one top-level `field`) between `string` (SimpleDateFormat `format`, UTC),
// `unix` (int64 in `unix.precision`), and the Connect logical types Date, Time and Timestamp.
//
// The source type comes from the schema (Timestamp/Date/Time logical names, STRING = string,
// INT64 = unix) or, without a schema, from the value (int64 = unix, string = string). Values of
// logical types are physical (value.hpp), so a schemaless Date/Time/Timestamp result is its
// physical int32 days / int32 ms-of-day / int64 ms - where Java would hold a java.util.Date.

#include "plugins/transforms/common/simple_date_format.hpp"
#include "plugins/transforms/common/transform_util.hpp"

#include "ferry/transform/transformation.hpp"

#include <optional>
#include <string>

namespace ferry::transforms {

class timestamp_converter final : public transformation {
public:
    enum class ts_type { string, unix_, date, time, timestamp };
    enum class precision { seconds, milliseconds, microseconds, nanoseconds };

    explicit timestamp_converter(side s) : _side(s) {}
    static const config::config_def& definition();
    void configure(const config::config_map& config) override;
    const config::config_def& config() const override { return definition(); }
    bool apply(connect_record& record) override;

private:
    int64_t to_raw(ts_type from, const value& v) const;
    value to_type(int64_t millis) const;
    value convert(const value& v, std::optional<ts_type> from) const;
    schema_ptr type_schema(bool optional) const;
    struct_ptr convert_struct(const struct_value& in, const schema_ptr& updated) const;

    side _side;
    std::string _field;
    ts_type _target = ts_type::timestamp;
    std::optional<simple_date_format> _format;
    precision _precision = precision::milliseconds;
    bool _replace_null_with_default = true;
    schema_cache _cache;
};

} // namespace ferry::transforms
