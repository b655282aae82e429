#pragma once
// AvroConverter: io.confluent.connect.avro.AvroConverter, Confluent's wire format over Ferry's
// Schema Registry client.
//
// Writing (from_connect): Connect schema -> Avro schema (AvroData, cached per schema object), the
// subject from the naming strategy, the schema id from the registry (auto.register.schemas: POST
// .../versions; use.latest.version: the subject's latest; else a lookup), then magic byte 0, the id
// as 4 big-endian bytes and the Avro binary datum into the caller's buffer. After the first record
// of a schema on a topic everything is cached: no HTTP, no allocation but the output's growth.
//
// Reading (to_connect): checks the magic byte, fetches the writer schema by id (cached), converts
// it to a Connect schema once per id, and decodes the datum - with writer->reader resolution when
// use.latest.version names a different reader schema. A null Kafka value is a null Connect value;
// bad bytes or an unknown id are data_error naming the topic (the runtime's errors.tolerance / DLQ
// decides); an unreachable registry is a retriable_error.
//
// Threading: one instance per task, as every converter.

#include "ferry/convert/converter.hpp"

#include <memory>

namespace ferry::avro_converter {

class avro_converter final : public converter {
public:
    avro_converter();
    ~avro_converter() override;
    avro_converter(const avro_converter&) = delete;
    avro_converter& operator=(const avro_converter&) = delete;

    static const ferry::config::config_def& definition();

    void configure(const ferry::config::config_map& props, bool is_key) override;
    const ferry::config::config_def& config() const override { return definition(); }
    bool from_connect(std::string_view topic, ferry::headers& headers, const schema_ptr& schema, const value& v,
                      std::string& out) override;
    schema_and_value to_connect(std::string_view topic, const ferry::headers& headers, nullable_bytes data) override;

    // The Avro schema text the converter registers for a Connect schema (for tests and tools).
    std::string avro_schema_text(const schema_ptr& s);

private:
    struct impl;
    std::unique_ptr<impl> _impl;
};

} // namespace ferry::avro_converter
