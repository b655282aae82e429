#pragma once
// org.apache.kafka.connect.transforms.InsertHeader: adds header `header` with `value.literal`
// parsed once, at configure time, the way SimpleHeaderConverter reads text (Values.parseString:
// "42" is an INT8, "true" a BOOLEAN, "[1,2]" an ARRAY, "null" a null, anything else a STRING).

#include "ferry/data/values.hpp"
#include "ferry/transform/transformation.hpp"

#include <string>

namespace ferry::transforms {

class insert_header final : public transformation {
public:
    static const config::config_def& definition();
    void configure(const config::config_map& config) override;
    const config::config_def& config() const override { return definition(); }
    bool apply(connect_record& record) override;

private:
    std::string _header;
    values::typed_value _literal;
};

} // namespace ferry::transforms
