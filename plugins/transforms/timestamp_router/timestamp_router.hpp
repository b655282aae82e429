#pragma once
// org.apache.kafka.connect.transforms.TimestampRouter: topic := topic.format with ${topic} and
// ${timestamp} replaced, the record timestamp formatted with timestamp.format (SimpleDateFormat,
// UTC). A record without timestamp is a DataException.
//
// Difference from Java, on purpose: an invalid timestamp.format fails at configure time
// (config_error) instead of failing every record with IllegalArgumentException.

#include "plugins/transforms/common/simple_date_format.hpp"

#include "ferry/transform/transformation.hpp"

#include <optional>
#include <string>

namespace ferry::transforms {

class timestamp_router final : public transformation {
public:
    static const config::config_def& definition();
    void configure(const config::config_map& config) override;
    const config::config_def& config() const override { return definition(); }
    bool apply(connect_record& record) override;

private:
    std::string _topic_format;
    std::optional<simple_date_format> _format;
    std::string _buf;
};

} // namespace ferry::transforms
