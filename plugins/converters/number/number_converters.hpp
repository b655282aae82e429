#pragma once
// Kafka's fixed-width number converters (org.apache.kafka.connect.converters.ShortConverter,
// IntegerConverter, LongConverter, FloatConverter, DoubleConverter) and BooleanConverter, each
// also a header converter. Big-endian, exactly Kafka's Short/Integer/Long/Float/Double/Boolean
// serializers: Float keeps its raw bits, Double canonicalises NaN (doubleToLongBits), Boolean is
// one byte 0x01/0x00. Reading gives the optional schema of the type; null stays null.

#include "ferry/convert/converter.hpp"

namespace ferry::converters {

enum class number_kind { int16, int32, int64, float32, float64, boolean };

class number_converter final : public converter, public header_converter {
public:
    explicit number_converter(number_kind k) : _kind(k) {}

    static const ferry::config::config_def& definition();

    void configure(const ferry::config::config_map& props, bool is_key) override;
    void configure(const ferry::config::config_map& props) override;
    const ferry::config::config_def& config() const override { return definition(); }

    bool from_connect(std::string_view topic, ferry::headers& headers, const schema_ptr& schema, const value& v,
                      std::string& out) override;
    schema_and_value to_connect(std::string_view topic, const ferry::headers& headers, nullable_bytes data) override;
    bool from_connect_header(std::string_view topic, std::string_view header_key, const schema_ptr& schema,
                             const value& v, std::string& out) override;
    schema_and_value to_connect_header(std::string_view topic, std::string_view header_key,
                                       nullable_bytes data) override;

private:
    number_kind _kind;
};

} // namespace ferry::converters
