#pragma once
// The regular expressions configuration needs (Connect's RegexValidator, EnvVarConfigProvider's
// allowlist.pattern): Java syntax as far as PCRE2 covers it, std::regex when PCRE2 is absent.

#include "base/error.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace ferry::config {

class regex {
public:
    // Errors read "<reason> near index <n>" like Java's PatternSyntaxException (first line).
    static result<regex> compile(std::string_view pattern);
    // Pattern.matcher(s).matches(): the whole string must match.
    bool full_match(std::string_view s) const;

private:
    struct impl;
    std::shared_ptr<const impl> _impl;
};

} // namespace ferry::config
