#pragma once
// org.apache.kafka.connect.transforms.RegexRouter: when `regex` matches the WHOLE topic name, the
// topic becomes Matcher.replaceFirst(replacement) - the first match as find() sees it, with Java's
// `$1`/`${name}` references. Java regex syntax through PCRE2 (config/regex.hpp). A bad group
// reference in the replacement fails each record (data_error with Java's text), as in Java.

#include "config/regex.hpp"

#include "ferry/transform/transformation.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ferry::transforms {

class regex_router final : public transformation {
public:
    static const config::config_def& definition();
    void configure(const config::config_map& config) override;
    const config::config_def& config() const override { return definition(); }
    bool apply(connect_record& record) override;

private:
    std::optional<config::regex> _regex;
    std::string _replacement;
    // The result is a pure function of the topic and a task sees few topics: remember the last
    // ones (topic -> new topic, or nullopt when it does not match) instead of matching per record.
    std::vector<std::pair<std::string, std::optional<std::string>>> _memo;
};

} // namespace ferry::transforms
