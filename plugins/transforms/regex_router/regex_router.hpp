#pragma once
// org.apache.kafka.connect.transforms.RegexRouter: when `regex` matches the WHOLE topic name, the
// topic becomes Matcher.replaceFirst(replacement) - the first match as find() sees it, with Java's
// `$1`/`${name}` references. Java regex syntax through PCRE2 (config/regex.hpp).

#include "config/regex.hpp"

#include "ferry/transform/transformation.hpp"

#include <optional>
#include <string>

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
};

} // namespace ferry::transforms
