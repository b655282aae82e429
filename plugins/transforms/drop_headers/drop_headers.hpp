#pragma once
// org.apache.kafka.connect.transforms.DropHeaders: removes every header whose key is listed in
// `headers` (a required, non-empty list).

#include "ferry/transform/transformation.hpp"

#include <string>
#include <vector>

namespace ferry::transforms {

class drop_headers final : public transformation {
public:
    static const config::config_def& definition();
    void configure(const config::config_map& config) override;
    const config::config_def& config() const override { return definition(); }
    bool apply(connect_record& record) override;

private:
    std::vector<std::string> _headers;
};

} // namespace ferry::transforms
