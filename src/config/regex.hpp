#pragma once
// The regular expressions configuration needs (Connect's RegexValidator, EnvVarConfigProvider's
// allowlist.pattern): Java syntax as far as PCRE2 covers it, std::regex when PCRE2 is absent.

#include "base/error.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ferry::config {

class regex {
public:
    // Errors read "<reason> near index <n>" like Java's PatternSyntaxException (first line).
    static result<regex> compile(std::string_view pattern);
    // Pattern.matcher(s).matches(): the whole string must match.
    bool full_match(std::string_view s) const;

    // [begin, end) byte offsets of a capturing group; npos/npos when the group took no part.
    using span = std::pair<size_t, size_t>;
    static constexpr size_t npos = std::string_view::npos;
    // Matcher.find() from `start`: the first match at or after it. On success `groups` holds
    // group_count() + 1 spans (0 = the whole match).
    bool find(std::string_view s, size_t start, std::vector<span>& groups) const;
    // Matcher.groupCount().
    int group_count() const;
    // Matcher.replaceFirst(replacement): the first match (found as find() finds it, even when the
    // caller already knows the whole string matches) is replaced, with Java's replacement syntax:
    // `$n` (the longest digit run naming an existing group), `${name}`, and `\x` for a literal x.
    // A bad reference fails with Java's IllegalArgumentException/IndexOutOfBoundsException text
    // ("No group 3", "No group with name {x}", "Illegal group reference", ...), at use as in Java.
    result<std::string> replace_first(std::string_view s, std::string_view replacement) const;

private:
    struct impl;
    std::shared_ptr<const impl> _impl;
};

} // namespace ferry::config
