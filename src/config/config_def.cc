#include "ferry/config/config_def.hpp"

#include "config/java_text.hpp"
#include "config/regex.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <set>


namespace ferry::config {

std::string_view type_name(config_type t) {
    switch (t) {
    case config_type::boolean: return "BOOLEAN";
    case config_type::string: return "STRING";
    case config_type::int_: return "INT";
    case config_type::short_: return "SHORT";
    case config_type::long_: return "LONG";
    case config_type::double_: return "DOUBLE";
    case config_type::list: return "LIST";
    case config_type::class_: return "CLASS";
    case config_type::password: return "PASSWORD";
    }
    return "STRING";
}

std::string_view importance_name(importance i) {
    switch (i) {
    case importance::high: return "HIGH";
    case importance::medium: return "MEDIUM";
    case importance::low: return "LOW";
    }
    return "MEDIUM";
}

std::string_view width_name(width w) {
    switch (w) {
    case width::none: return "NONE";
    case width::short_: return "SHORT";
    case width::medium: return "MEDIUM";
    case width::long_: return "LONG";
    }
    return "NONE";
}

std::string display(const config_value& v) {
    if (const auto* l = std::get_if<std::vector<std::string>>(&v)) {
        std::string out = "[";
        for (size_t i = 0; i < l->size(); ++i) {
            if (i) out += ", ";
            out += (*l)[i];
        }
        return out + "]";
    }
    if (std::holds_alternative<std::monostate>(v)) return "null";
    return *config_def::to_raw(v, config_type::string);
}

std::string invalid_value(std::string_view name, const config_value& v, std::string_view reason) {
    return fmt::format("Invalid value {} for configuration {}: {}", display(v), name, reason);
}

namespace {

// Ferry's own validators: they are handed null values and treat them as their Java twins do.
struct builtin {
    std::function<std::optional<std::string>(const std::string&, const config_value&)> fn;
    std::optional<std::string> operator()(const std::string& name, const config_value& v) const { return fn(name, v); }
};

template <class F>
validator make_builtin(F f) {
    return builtin{std::move(f)};
}

bool accepts_null(const validator& v) { return v.target<builtin>() != nullptr; }

bool is_null(const config_value& v) { return std::holds_alternative<std::monostate>(v); }

// Whether `msg` names the key as a word of its own (so "n" is not found inside "even").
bool mentions(std::string_view msg, std::string_view name) {
    auto word_char = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
               c == '-';
    };
    if (name.empty()) return true;
    for (size_t p = msg.find(name); p != std::string_view::npos; p = msg.find(name, p + 1)) {
        size_t e = p + name.size();
        if ((p == 0 || !word_char(msg[p - 1])) && (e == msg.size() || !word_char(msg[e]) ||
                                                  (msg[e] == '.' && (e + 1 == msg.size() || msg[e + 1] == ' '))))
            return true;
    }
    return false;
}

std::optional<std::string> run_validator(const validator& v, const std::string& name, const config_value& value) {
    if (!v) return std::nullopt;
    if (is_null(value) && !accepts_null(v)) return std::nullopt;
    auto err = v(name, value);
    if (err && !mentions(*err, name)) return invalid_value(name, value, *err);
    return err;
}

std::optional<double> as_double(const config_value& v) {
    if (const auto* i = std::get_if<int32_t>(&v)) return *i;
    if (const auto* l = std::get_if<int64_t>(&v)) return static_cast<double>(*l);
    if (const auto* d = std::get_if<double>(&v)) return *d;
    return std::nullopt;
}

std::optional<int64_t> as_integer(const config_value& v) {
    if (const auto* i = std::get_if<int32_t>(&v)) return *i;
    if (const auto* l = std::get_if<int64_t>(&v)) return *l;
    return std::nullopt;
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
    std::string out;
    for (size_t i = 0; i < v.size(); ++i) {
        if (i) out += sep;
        out += v[i];
    }
    return out;
}

std::string upper(std::string s) {
    for (auto& c : s)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return s;
}

[[noreturn]] void throw_invalid_raw(const std::string& name, const std::string& raw, std::string_view reason) {
    throw config_error(fmt::format("Invalid value {} for configuration {}: {}", raw, name, reason));
}

std::vector<std::string> split_list(std::string_view trimmed) {
    std::vector<std::string> out;
    if (trimmed.empty()) return out;
    size_t start = 0;
    while (true) {
        size_t comma = trimmed.find(',', start);
        std::string_view item = trimmed.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        // The separator is \s*,\s*: only regex whitespace next to a comma goes.
        while (!item.empty() && java::is_regex_space(item.front())) item.remove_prefix(1);
        while (!item.empty() && java::is_regex_space(item.back())) item.remove_suffix(1);
        out.emplace_back(item);
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return out;
}

config_map entries_with_prefix(const config_map& m, std::string_view prefix, bool strip) {
    config_map out;
    for (auto it = m.lower_bound(std::string(prefix)); it != m.end(); ++it) {
        if (it->first.compare(0, prefix.size(), prefix) != 0) break;
        if (it->first.size() == prefix.size()) continue;
        out.emplace(strip ? it->first.substr(prefix.size()) : it->first, it->second);
    }
    return out;
}

} // namespace

namespace validators {

namespace {
std::string number_text(int64_t n) { return std::to_string(n); }
std::string number_text(double d) { return java::double_to_string(d); }

template <class N>
validator range(std::optional<N> min, std::optional<N> max) {
    return make_builtin([min, max](const std::string& name, const config_value& v) -> std::optional<std::string> {
        if (is_null(v)) return fmt::format("Invalid value null for configuration {}: Value must be non-null", name);
        auto d = as_double(v);
        if (!d) return invalid_value(name, v, "Value must be a number");
        auto below = [&](N bound) {
            if constexpr (std::is_integral_v<N>) {
                if (auto i = as_integer(v)) return *i < bound;
            }
            return *d < static_cast<double>(bound);
        };
        auto above = [&](N bound) {
            if constexpr (std::is_integral_v<N>) {
                if (auto i = as_integer(v)) return *i > bound;
            }
            return *d > static_cast<double>(bound);
        };
        if (min && below(*min)) return invalid_value(name, v, "Value must be at least " + number_text(*min));
        if (max && above(*max)) return invalid_value(name, v, "Value must be no more than " + number_text(*max));
        return std::nullopt;
    });
}
} // namespace

validator at_least(int64_t min) { return range<int64_t>(min, std::nullopt); }
validator between(int64_t min, int64_t max) { return range<int64_t>(min, max); }
validator at_least_double(double min) { return range<double>(min, std::nullopt); }
validator between_double(double min, double max) { return range<double>(min, max); }

validator one_of(std::vector<std::string> allowed, bool case_sensitive) {
    if (case_sensitive) {
        return make_builtin([allowed](const std::string& name, const config_value& v) -> std::optional<std::string> {
            const auto* s = std::get_if<std::string>(&v);
            if (!s || std::find(allowed.begin(), allowed.end(), *s) == allowed.end())
                return invalid_value(name, v, "String must be one of: " + join(allowed, ", "));
            return std::nullopt;
        });
    }
    std::vector<std::string> up;
    for (auto& a : allowed) {
        auto u = upper(a);
        if (std::find(up.begin(), up.end(), u) == up.end()) up.push_back(std::move(u));
    }
    return make_builtin([up](const std::string& name, const config_value& v) -> std::optional<std::string> {
        const auto* s = std::get_if<std::string>(&v);
        if (!s || std::find(up.begin(), up.end(), upper(*s)) == up.end())
            return invalid_value(name, v, "String must be one of (case insensitive): " + join(up, ", "));
        return std::nullopt;
    });
}

validator non_empty_string() {
    return make_builtin([](const std::string& name, const config_value& v) -> std::optional<std::string> {
        const auto* s = std::get_if<std::string>(&v);
        if (s && s->empty()) return invalid_value(name, v, "String must be non-empty");
        return std::nullopt;
    });
}

validator non_empty_string_without_control_chars() {
    return make_builtin([](const std::string& name, const config_value& v) -> std::optional<std::string> {
        const auto* s = std::get_if<std::string>(&v);
        if (!s) return std::nullopt; // null: a missing name is reported as missing, not here
        if (s->empty()) return invalid_value(name, v, "String may not be empty");
        std::vector<std::string> found;
        for (size_t i = 0; i < s->size();) {
            uint32_t cp = java::next_code_point(*s, i);
            if (cp <= 0x1F || (cp >= 0x7F && cp <= 0x9F)) found.push_back(std::to_string(cp));
        }
        if (!found.empty())
            return invalid_value(name, v,
                                 "String may not contain control sequences but had the following ASCII chars: " +
                                     join(found, ", "));
        return std::nullopt;
    });
}

validator non_null() {
    return make_builtin([](const std::string& name, const config_value& v) -> std::optional<std::string> {
        if (is_null(v)) return fmt::format("Invalid value null for configuration {}: entry must be non null", name);
        return std::nullopt;
    });
}

validator list_of(std::vector<std::string> allowed, bool allow_empty) {
    return make_builtin([allowed, allow_empty](const std::string& name,
                                               const config_value& v) -> std::optional<std::string> {
        const auto* l = std::get_if<std::vector<std::string>>(&v);
        if (!l || l->empty()) {
            if (!allow_empty) return invalid_value(name, v, "Empty list");
            return std::nullopt;
        }
        for (const auto& item : *l)
            if (std::find(allowed.begin(), allowed.end(), item) == allowed.end())
                return invalid_value(name, item, "String must be one of: " + join(allowed, ", "));
        return std::nullopt;
    });
}

validator non_empty_list() {
    return make_builtin([](const std::string& name, const config_value& v) -> std::optional<std::string> {
        const auto* l = std::get_if<std::vector<std::string>>(&v);
        if (!l || l->empty()) return invalid_value(name, v, "Empty list");
        return std::nullopt;
    });
}

validator list_max_size(size_t max) {
    return make_builtin([max](const std::string& name, const config_value& v) -> std::optional<std::string> {
        const auto* l = std::get_if<std::vector<std::string>>(&v);
        if (l && l->size() > max)
            return invalid_value(name, v, fmt::format("exceeds maximum list size of [{}].", max));
        return std::nullopt;
    });
}

validator valid_regex() {
    return make_builtin([](const std::string& name, const config_value& v) -> std::optional<std::string> {
        const auto* s = std::get_if<std::string>(&v);
        if (!s) return std::nullopt;
        if (auto re = regex::compile(*s); !re) return invalid_value(name, v, "Invalid regex: " + re.error().message);
        return std::nullopt;
    });
}

validator all(std::vector<validator> vs) {
    return make_builtin([vs](const std::string& name, const config_value& v) -> std::optional<std::string> {
        for (const auto& one : vs)
            if (auto err = run_validator(one, name, v)) return err;
        return std::nullopt;
    });
}

} // namespace validators

// ---------------------------------------------------------------------------------------------
// parsing

config_value config_def::parse_value(const std::string& name, const std::string& raw, config_type type) {
    std::string_view t = java::trim(raw);
    switch (type) {
    case config_type::boolean: {
        auto ieq = [&](std::string_view w) {
            return t.size() == w.size() && std::equal(t.begin(), t.end(), w.begin(), [](char a, char b) {
                       return (a >= 'A' && a <= 'Z' ? a - 'A' + 'a' : a) == b;
                   });
        };
        if (ieq("true")) return true;
        if (ieq("false")) return false;
        throw_invalid_raw(name, raw, "Expected value to be either true or false");
    }
    case config_type::password: return password{std::string(t)};
    case config_type::string:
    case config_type::class_: return std::string(t);
    case config_type::int_:
        if (auto v = java::parse_integer(t, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()))
            return static_cast<int32_t>(*v);
        throw_invalid_raw(name, raw, "Not a number of type INT");
    case config_type::short_:
        if (auto v = java::parse_integer(t, std::numeric_limits<int16_t>::min(), std::numeric_limits<int16_t>::max()))
            return static_cast<int32_t>(*v);
        throw_invalid_raw(name, raw, "Not a number of type SHORT");
    case config_type::long_:
        if (auto v = java::parse_integer(t, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()))
            return *v;
        throw_invalid_raw(name, raw, "Not a number of type LONG");
    case config_type::double_:
        if (auto v = java::parse_double(t)) return *v;
        throw_invalid_raw(name, raw, "Not a number of type DOUBLE");
    case config_type::list: return split_list(t);
    }
    throw config_error("Unknown type.");
}

std::optional<std::string> config_def::to_raw(const config_value& v, config_type type, bool reveal_password) {
    return std::visit(
        [&](const auto& x) -> std::optional<std::string> {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::monostate>) {
                return std::nullopt;
            } else if constexpr (std::is_same_v<T, password>) {
                return reveal_password ? x.secret : std::string(hidden);
            } else {
                // A value of a PASSWORD key is hidden whatever form it came in.
                if (type == config_type::password && !reveal_password) return std::string(hidden);
                if constexpr (std::is_same_v<T, bool>) {
                    return std::string(x ? "true" : "false");
                } else if constexpr (std::is_same_v<T, int32_t> || std::is_same_v<T, int64_t>) {
                    return std::to_string(x);
                } else if constexpr (std::is_same_v<T, double>) {
                    return java::double_to_string(x);
                } else if constexpr (std::is_same_v<T, std::string>) {
                    return x;
                } else {
                    return join(x, ",");
                }
            }
        },
        v);
}

// ---------------------------------------------------------------------------------------------
// config_def

namespace {
config_value parse_default(const config_key& key) {
    if (key.def.k != config_default::kind::value) return std::monostate{};
    return config_def::parse_value(key.name, key.def.raw, key.type);
}

void check_default(const config_key& key, const config_value& parsed) {
    if (key.required()) return;
    if (auto err = run_validator(key.valid, key.name, parsed)) throw config_error(*err);
}
} // namespace

config_def& config_def::define(config_key key) {
    if (_index.count(key.name)) throw config_error("Configuration " + key.name + " is defined twice.");
    if (key.display_name.empty()) key.display_name = key.name;
    config_value def = parse_default(key);
    check_default(key, def);
    _index.emplace(key.name, _keys.size());
    _keys.push_back(std::move(key));
    _defaults.push_back(std::move(def));
    return *this;
}

config_def& config_def::merge(const config_def& other) {
    for (const auto& k : other._keys) define(k);
    return *this;
}

config_def config_def::with_default(std::string_view name, config_default def) const {
    config_def copy = *this;
    auto it = copy._index.find(name);
    assert(it != copy._index.end() && "with_default on an undefined key");
    config_key& key = copy._keys[it->second];
    key.def = std::move(def);
    config_value parsed = parse_default(key);
    check_default(key, parsed);
    copy._defaults[it->second] = std::move(parsed);
    return copy;
}

const config_key* config_def::find(std::string_view name) const {
    auto it = _index.find(name);
    return it == _index.end() ? nullptr : &_keys[it->second];
}

const config_value* config_def::default_value(std::string_view name) const {
    auto it = _index.find(name);
    if (it == _index.end() || _keys[it->second].required()) return nullptr;
    return &_defaults[it->second];
}

std::vector<std::string> config_def::groups() const {
    std::vector<std::string> out;
    for (const auto& k : _keys)
        if (!k.group.empty() && std::find(out.begin(), out.end(), k.group) == out.end()) out.push_back(k.group);
    return out;
}

namespace {
std::vector<std::string> undefined_dependents(const std::vector<config_key>& keys,
                                              const std::map<std::string, size_t, std::less<>>& index) {
    std::set<std::string> out;
    for (const auto& k : keys)
        for (const auto& d : k.dependents)
            if (!index.count(d)) out.insert(d);
    return {out.begin(), out.end()};
}
} // namespace

config_values config_def::parse(const config_map& props) const {
    if (auto undefined = undefined_dependents(_keys, _index); !undefined.empty())
        throw config_error("Some configurations in are referred in the dependents, but not defined: " +
                           join(undefined, ","));
    std::map<std::string, config_value, std::less<>> values;
    for (size_t i = 0; i < _keys.size(); ++i) {
        const config_key& key = _keys[i];
        config_value v;
        if (auto it = props.find(key.name); it != props.end()) {
            v = parse_value(key.name, it->second, key.type);
        } else if (key.required()) {
            throw config_error("Missing required configuration \"" + key.name + "\" which has no default value.");
        } else {
            v = _defaults[i];
        }
        if (auto err = run_validator(key.valid, key.name, v)) throw config_error(*err);
        values.emplace(key.name, std::move(v));
    }
    return config_values(std::move(values), props);
}

std::vector<config_validation> config_def::validate(const config_map& props) const {
    std::vector<config_validation> all(_keys.size());
    std::map<std::string, config_value> parsed;
    for (size_t i = 0; i < _keys.size(); ++i) {
        const config_key& key = _keys[i];
        config_validation& out = all[i];
        out.name = key.name;
        config_value v;
        if (auto it = props.find(key.name); it != props.end()) {
            try {
                v = parse_value(key.name, it->second, key.type);
            } catch (const config_error& e) {
                out.errors.emplace_back(e.what());
            }
        } else if (key.required()) {
            out.errors.push_back("Missing required configuration \"" + key.name + "\" which has no default value.");
        } else {
            v = _defaults[i];
        }
        if (auto err = run_validator(key.valid, key.name, v)) out.errors.push_back(std::move(*err));
        out.value = to_raw(v, key.type);
        parsed.emplace(key.name, std::move(v));
    }
    // Recommenders see every parsed value, as Java runs them after parsing everything.
    for (size_t i = 0; i < _keys.size(); ++i) {
        const config_key& key = _keys[i];
        try {
            if (key.recommender) all[i].recommended_values = key.recommender(parsed);
            if (key.visible) all[i].visible = key.visible(parsed);
        } catch (const config_error& e) {
            all[i].errors.emplace_back(e.what());
        }
    }
    std::vector<config_validation> out;
    out.reserve(all.size());
    for (size_t i = 0; i < _keys.size(); ++i)
        if (!_keys[i].internal) out.push_back(std::move(all[i]));
    for (auto& name : undefined_dependents(_keys, _index)) {
        config_validation u;
        u.name = name;
        u.errors.push_back(name + " is referred in the dependents, but not defined.");
        u.visible = false;
        out.push_back(std::move(u));
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// config_values

namespace {
const std::string empty_string;
const std::vector<std::string> empty_list;

[[noreturn]] void wrong_type(std::string_view name, std::string_view wanted) {
    throw config_error(fmt::format("Configuration '{}' is not of type {}", name, wanted));
}
} // namespace

const config_value& config_values::get(std::string_view name) const {
    auto it = _values.find(name);
    if (it == _values.end()) throw config_error(fmt::format("Unknown configuration '{}'", name));
    return it->second;
}

bool config_values::is_null(std::string_view name) const { return config::is_null(get(name)); }

bool config_values::get_bool(std::string_view name) const {
    const auto& v = get(name);
    if (const auto* b = std::get_if<bool>(&v)) return *b;
    wrong_type(name, "BOOLEAN");
}

int32_t config_values::get_int(std::string_view name) const {
    if (auto v = get_int_opt(name)) return *v;
    wrong_type(name, "INT (it is null)");
}

std::optional<int32_t> config_values::get_int_opt(std::string_view name) const {
    const auto& v = get(name);
    if (config::is_null(v)) return std::nullopt;
    if (const auto* i = std::get_if<int32_t>(&v)) return *i;
    wrong_type(name, "INT");
}

int64_t config_values::get_long(std::string_view name) const {
    if (auto v = get_long_opt(name)) return *v;
    wrong_type(name, "LONG (it is null)");
}

std::optional<int64_t> config_values::get_long_opt(std::string_view name) const {
    const auto& v = get(name);
    if (config::is_null(v)) return std::nullopt;
    if (const auto* l = std::get_if<int64_t>(&v)) return *l;
    if (const auto* i = std::get_if<int32_t>(&v)) return *i;
    wrong_type(name, "LONG");
}

double config_values::get_double(std::string_view name) const {
    if (auto v = get_double_opt(name)) return *v;
    wrong_type(name, "DOUBLE (it is null)");
}

std::optional<double> config_values::get_double_opt(std::string_view name) const {
    const auto& v = get(name);
    if (config::is_null(v)) return std::nullopt;
    if (const auto* d = std::get_if<double>(&v)) return *d;
    wrong_type(name, "DOUBLE");
}

const std::string& config_values::get_string(std::string_view name) const {
    const auto& v = get(name);
    if (config::is_null(v)) return empty_string;
    if (const auto* s = std::get_if<std::string>(&v)) return *s;
    wrong_type(name, "STRING");
}

std::optional<std::string> config_values::get_string_opt(std::string_view name) const {
    const auto& v = get(name);
    if (config::is_null(v)) return std::nullopt;
    if (const auto* s = std::get_if<std::string>(&v)) return *s;
    wrong_type(name, "STRING");
}

const std::vector<std::string>& config_values::get_list(std::string_view name) const {
    const auto& v = get(name);
    if (config::is_null(v)) return empty_list;
    if (const auto* l = std::get_if<std::vector<std::string>>(&v)) return *l;
    wrong_type(name, "LIST");
}

std::optional<password> config_values::get_password(std::string_view name) const {
    const auto& v = get(name);
    if (config::is_null(v)) return std::nullopt;
    if (const auto* p = std::get_if<password>(&v)) return *p;
    wrong_type(name, "PASSWORD");
}

config_map config_values::originals_with_prefix(std::string_view prefix, bool strip) const {
    return entries_with_prefix(_originals, prefix, strip);
}

config_map with_prefix_stripped(const config_map& m, std::string_view prefix) {
    return entries_with_prefix(m, prefix, true);
}

} // namespace ferry::config
