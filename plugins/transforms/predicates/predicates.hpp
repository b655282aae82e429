#pragma once
// Kafka's predicates (org.apache.kafka.connect.transforms.predicates.*): TopicNameMatches
// (`pattern`, a Java regex that must match the whole topic), HasHeaderKey (`name`) and
// RecordIsTombstone (the value is null). The runtime applies negate.

#include "config/regex.hpp"

#include "ferry/transform/transformation.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ferry::transforms {

class topic_name_matches final : public predicate {
public:
    static const config::config_def& definition();
    void configure(const config::config_map& config) override;
    const config::config_def& config() const override { return definition(); }
    bool test(const connect_record& record) override;

private:
    std::optional<config::regex> _pattern;
    // Last topics seen and whether they matched (a pure function of the topic).
    std::vector<std::pair<std::string, bool>> _memo;
};

class has_header_key final : public predicate {
public:
    static const config::config_def& definition();
    void configure(const config::config_map& config) override;
    const config::config_def& config() const override { return definition(); }
    bool test(const connect_record& record) override;

private:
    std::string _name;
};

class record_is_tombstone final : public predicate {
public:
    static const config::config_def& definition() {
        static const config::config_def d;
        return d;
    }
    void configure(const config::config_map&) override {}
    const config::config_def& config() const override { return definition(); }
    bool test(const connect_record& record) override { return record.val.is_null(); }
};

} // namespace ferry::transforms
