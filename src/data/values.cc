// A faithful port of org.apache.kafka.connect.data.Values (convertToString and parseString, with
// its tokenizer), because SimpleHeaderConverter's bytes are defined by that code's behaviour.

#include "ferry/data/values.hpp"

#include "ferry/connect/errors.hpp"
#include "ferry/data/base64.hpp"
#include "ferry/data/logical.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

namespace ferry::values {

namespace {

constexpr int64_t k_millis_per_day = 86400000;

int64_t floor_mod(int64_t a, int64_t b) {
    int64_t r = a % b;
    return r < 0 ? r + b : r;
}

int64_t floor_div(int64_t a, int64_t b) { return (a - floor_mod(a, b)) / b; }

// --- convertToString ---

// Values.dateFormatFor: the pattern depends on the instant, not on the schema.
void append_instant(std::string& out, int64_t millis) {
    if (millis < k_millis_per_day) {
        out += logical::format_time(static_cast<int32_t>(floor_mod(millis, k_millis_per_day)));
    } else if (millis % k_millis_per_day == 0) {
        out += logical::format_date(static_cast<int32_t>(millis / k_millis_per_day));
    } else {
        out += logical::format_timestamp(millis);
    }
}

void append_escaped(std::string& out, std::string_view s) {
    for (char c : s) {
        if (c == '\\' || c == '"') out.push_back('\\');
        out.push_back(c);
    }
}

void append(std::string& out, const schema* s, const value& v, bool embedded) {
    if (v.is_null()) {
        out += "null";
        return;
    }
    if (s && s->name()) {
        const std::string& n = *s->name();
        if (n == logical::decimal_name && v.type() == value::kind::bytes) {
            out += logical::decimal_to_java_string(v.as_bytes(), logical::decimal_scale(*s));
            return;
        }
        if (n == logical::date_name && v.type() == value::kind::int32) {
            append_instant(out, int64_t(v.as_int32()) * k_millis_per_day);
            return;
        }
        if (n == logical::time_name && v.type() == value::kind::int32) {
            append_instant(out, v.as_int32());
            return;
        }
        if (n == logical::timestamp_name && v.type() == value::kind::int64) {
            append_instant(out, v.as_int64());
            return;
        }
    }
    char buf[java_number_chars];
    switch (v.type()) {
    case value::kind::null: break;
    case value::kind::boolean: out += v.as_bool() ? "true" : "false"; break;
    case value::kind::int8:
    case value::kind::int16:
    case value::kind::int32:
    case value::kind::int64: out += std::to_string(v.to_int64()); break;
    case value::kind::float32: out.append(buf, java_float_to_chars(v.as_float32(), buf)); break;
    case value::kind::float64: out.append(buf, java_double_to_chars(v.as_float64(), buf)); break;
    case value::kind::string:
        if (embedded) {
            out.push_back('"');
            append_escaped(out, v.as_string());
            out.push_back('"');
        } else {
            out += v.as_string();
        }
        break;
    case value::kind::bytes:
        if (embedded) out.push_back('"');
        base64_encode(v.as_bytes(), out);
        if (embedded) out.push_back('"');
        break;
    case value::kind::array: {
        const schema* es = s ? s->value_schema().get() : nullptr;
        out.push_back('[');
        bool first = true;
        for (const auto& e : v.as_array()) {
            if (!first) out.push_back(',');
            first = false;
            append(out, es, e, true);
        }
        out.push_back(']');
        break;
    }
    case value::kind::map: {
        const schema* ks = s ? s->key_schema().get() : nullptr;
        const schema* vs = s ? s->value_schema().get() : nullptr;
        out.push_back('{');
        bool first = true;
        for (const auto& [k, e] : v.as_map()) {
            if (!first) out.push_back(',');
            first = false;
            append(out, ks, k, true);
            out.push_back(':');
            append(out, vs, e, true);
        }
        out.push_back('}');
        break;
    }
    case value::kind::struct_: {
        const auto& st = v.as_struct();
        out.push_back('{');
        bool first = true;
        for (const auto& f : st->schema()->fields()) {
            if (!first) out.push_back(',');
            first = false;
            out.push_back('"');
            append_escaped(out, f.name);
            out.push_back('"');
            out.push_back(':');
            // Struct.get(field) substitutes the field's default for null.
            const value& fv = st->get(f);
            const value& shown = (fv.is_null() && f.schema->default_value()) ? *f.schema->default_value() : fv;
            append(out, f.schema.get(), shown, true);
        }
        out.push_back('}');
        break;
    }
    }
}

// --- parseString ---

bool is_blank(std::string_view s) {
    for (char c : s)
        if (static_cast<unsigned char>(c) > ' ') return false;
    return true;
}

// String.trim(): removes characters <= ' ' at both ends.
std::string_view trim(std::string_view s) {
    size_t b = 0, e = s.size();
    while (b < e && static_cast<unsigned char>(s[b]) <= ' ') ++b;
    while (e > b && static_cast<unsigned char>(s[e - 1]) <= ' ') --e;
    return s.substr(b, e - b);
}

// Values.Parser: splits on the delimiters : , { } [ ] " unless escaped with a backslash.
class tokenizer {
public:
    explicit tokenizer(std::string_view original) : _s(original) {}

    size_t position() const { return _pos; }
    size_t mark() const { return _pos - (_next ? _next->size() : 0); }
    void rewind_to(size_t p) {
        _pos = p;
        _next.reset();
        _previous.reset();
    }
    std::string_view original() const { return _s; }
    bool has_next() const { return _next.has_value() || _pos < _s.size(); }

    std::string_view next() {
        if (_next) {
            _previous = _next;
            _next.reset();
        } else {
            _previous = consume_next_token();
        }
        return *_previous;
    }

    std::optional<std::string_view> next(int n) {
        size_t current = mark();
        size_t start = mark();
        for (int i = 0; i != n; ++i) {
            if (!has_next()) {
                rewind_to(start);
                return std::nullopt;
            }
            next();
        }
        return _s.substr(current, position() - current);
    }

    std::optional<std::string_view> previous() const { return _previous; }

    bool can_consume(std::string_view expected, bool ignore_whitespace = true) {
        if (is_next(expected, ignore_whitespace)) {
            _next.reset();
            return true;
        }
        return false;
    }

private:
    std::string_view consume_next_token() {
        bool escaped = false;
        size_t start = _pos;
        while (_pos < _s.size()) {
            char c = _s[_pos];
            switch (c) {
            case '\\': escaped = !escaped; break;
            case ':':
            case ',':
            case '{':
            case '}':
            case '[':
            case ']':
            case '"':
                if (!escaped) {
                    if (start < _pos) return _s.substr(start, _pos - start);
                    ++_pos;
                    return _s.substr(start, 1);
                }
                escaped = false;
                break;
            default: escaped = false; break;
            }
            ++_pos;
        }
        return _s.substr(start, _pos - start);
    }

    bool is_next(std::string_view expected, bool ignore_whitespace) {
        if (!_next) {
            if (!has_next()) return false;
            _next = consume_next_token();
        }
        if (ignore_whitespace) {
            while (is_blank(*_next) && _pos < _s.size()) _next = consume_next_token();
        }
        return ignore_whitespace ? trim(*_next) == expected : *_next == expected;
    }

    std::string_view _s;
    size_t _pos = 0;
    std::optional<std::string_view> _next;
    std::optional<std::string_view> _previous;
};

// Java's DataException inside the parser: caught where Java catches it.
struct parse_error : data_error {
    using data_error::data_error;
};

using element = std::optional<typed_value>; // nullopt = Java's null SchemaAndValue

bool is_named(const schema_ptr& s, std::string_view n) { return s && s->name() && *s->name() == n; }

// The instant a parsed temporal value stands for (java.util.Date.getTime()).
std::optional<int64_t> instant_of(const typed_value& tv) {
    if (is_named(tv.schema, logical::date_name)) return int64_t(tv.val.as_int32()) * k_millis_per_day;
    if (is_named(tv.schema, logical::time_name)) return int64_t(tv.val.as_int32());
    if (is_named(tv.schema, logical::timestamp_name)) return tv.val.as_int64();
    return std::nullopt;
}

// Values.asLong for the Java objects the parser produces (Numbers, Strings, Dates).
int64_t as_long(const typed_value& tv) {
    const value& v = tv.val;
    if (instant_of(tv) || v.type() == value::kind::bytes) // a Date or BigDecimal without from-schema
        throw parse_error("Unable to convert value to a number");
    if (v.is_integer()) return v.to_int64();
    if (v.type() == value::kind::float32) return static_cast<int64_t>(v.as_float32());
    if (v.type() == value::kind::float64) return static_cast<int64_t>(v.as_float64());
    throw parse_error(fmt::format("Unable to convert {} to a number", to_java_string(v)));
}

double as_double(const typed_value& tv) {
    const value& v = tv.val;
    if (v.type() == value::kind::float32) return v.as_float32();
    if (v.type() == value::kind::float64) return v.as_float64();
    return static_cast<double>(as_long(tv));
}

// Values.convertTo(toSchema, null, value) as used to align list and map entries with the schema
// inferred for all of them.
value convert_to(const schema_ptr& to, const element& e) {
    if (!e || e->val.is_null()) {
        if (to->optional()) return value();
        throw parse_error("Unable to convert a null value to a schema that requires a value");
    }
    const typed_value& tv = *e;
    const value& v = tv.val;
    switch (to->type()) {
    case schema_type::bytes:
        if (v.type() != value::kind::bytes) throw parse_error("Unable to convert value to bytes");
        if (is_named(to, logical::decimal_name) && is_named(tv.schema, logical::decimal_name)) {
            // Same number, expressed at the target scale (Java keeps each BigDecimal's own scale).
            int32_t from_scale = logical::decimal_scale(*tv.schema);
            int32_t to_scale = logical::decimal_scale(*to);
            if (from_scale == to_scale) return v;
            if (std::abs(int64_t(to_scale) - from_scale) > 10000) throw parse_error("Decimal scales too far apart");
            return value::bytes(
                logical::decimal_from_string(logical::decimal_to_string(v.as_bytes(), from_scale), to_scale));
        }
        return v;
    case schema_type::string:
        if (v.type() != value::kind::string) throw parse_error("Unable to convert value to a string");
        return v;
    case schema_type::boolean:
        if (v.type() == value::kind::boolean) return v;
        return value(as_long(tv) != 0);
    case schema_type::int8:
        if (v.type() == value::kind::int8) return v;
        return value(static_cast<int8_t>(as_long(tv)));
    case schema_type::int16:
        if (v.type() == value::kind::int16) return v;
        return value(static_cast<int16_t>(as_long(tv)));
    case schema_type::int32:
        if (is_named(to, logical::date_name)) {
            if (auto ms = instant_of(tv)) return value(static_cast<int32_t>(floor_div(*ms, k_millis_per_day)));
            return value(static_cast<int32_t>(as_long(tv)));
        }
        if (is_named(to, logical::time_name)) {
            if (auto ms = instant_of(tv)) return value(static_cast<int32_t>(floor_mod(*ms, k_millis_per_day)));
            return value(static_cast<int32_t>(as_long(tv)));
        }
        if (v.type() == value::kind::int32 && !instant_of(tv)) return v;
        return value(static_cast<int32_t>(as_long(tv)));
    case schema_type::int64:
        if (is_named(to, logical::timestamp_name)) {
            if (auto ms = instant_of(tv)) return value(*ms);
            return value(as_long(tv));
        }
        if (v.type() == value::kind::int64 && !instant_of(tv)) return v;
        return value(as_long(tv));
    case schema_type::float32:
        if (v.type() == value::kind::float32) return v;
        return value(static_cast<float>(as_double(tv)));
    case schema_type::float64:
        if (v.type() == value::kind::float64) return v;
        return value(as_double(tv));
    case schema_type::array:
        if (v.type() != value::kind::array) throw parse_error("Unable to convert value to a list");
        return v;
    case schema_type::map:
        if (v.type() != value::kind::map) throw parse_error("Unable to convert value to a map");
        return v;
    case schema_type::struct_: throw parse_error("Unable to convert value to a struct");
    }
    throw parse_error("Unable to convert value");
}

schema_ptr merge_schemas(const schema_ptr& previous, const schema_ptr& next) {
    schema_type pt = previous->type();
    schema_type nt = next->type();
    auto is_int = [](schema_type t) {
        return t == schema_type::int8 || t == schema_type::int16 || t == schema_type::int32 || t == schema_type::int64;
    };
    if (pt != nt) {
        auto rank = [](schema_type t) { return static_cast<int>(t); }; // int8 < ... < float64
        bool p_num = is_int(pt) || pt == schema_type::float32 || pt == schema_type::float64;
        bool n_num = is_int(nt) || nt == schema_type::float32 || nt == schema_type::float64;
        if (!p_num || !n_num) return nullptr;
        return rank(nt) > rank(pt) ? next : previous;
    }
    if (previous->optional() == next->optional()) return previous->optional() ? previous : next;
    if (!(*previous == *next)) return nullptr;
    return previous;
}

class schema_merger {
public:
    void merge(const element& latest) {
        if (latest && latest->schema && _compatible) {
            if (!_common) {
                _common = latest->schema;
            } else {
                _common = merge_schemas(_common, latest->schema);
                _compatible = _common != nullptr;
            }
        }
    }
    bool has_common_schema() const { return _common != nullptr; }
    const schema_ptr& schema() const { return _common; }

private:
    schema_ptr _common;
    bool _compatible = true;
};

// SimpleDateFormat.parse(text, pos) for the three ISO patterns, leniently (fields may overflow
// into the next larger unit, as java.util.Calendar allows). UTC.
std::optional<int64_t> parse_pattern(std::string_view text, std::string_view pattern) {
    int64_t fields[7] = {1970, 1, 1, 0, 0, 0, 0}; // y M d H m s S
    size_t i = 0, p = 0;
    while (p < pattern.size()) {
        char pc = pattern[p];
        if (pc == '\'') { // quoted literal
            size_t end = pattern.find('\'', p + 1);
            for (size_t k = p + 1; k < end; ++k) {
                if (i >= text.size() || text[i] != pattern[k]) return std::nullopt;
                ++i;
            }
            p = end + 1;
            continue;
        }
        int field = -1;
        switch (pc) {
        case 'y': field = 0; break;
        case 'M': field = 1; break;
        case 'd': field = 2; break;
        case 'H': field = 3; break;
        case 'm': field = 4; break;
        case 's': field = 5; break;
        case 'S': field = 6; break;
        default: break;
        }
        if (field < 0) {
            if (i >= text.size() || text[i] != pc) return std::nullopt;
            ++i;
            ++p;
            continue;
        }
        while (p < pattern.size() && pattern[p] == pc) ++p;
        // Every numeric field is followed by a literal, so it takes all the digits there are.
        bool neg = false;
        if (i < text.size() && text[i] == '-') {
            neg = true;
            ++i;
        }
        size_t start = i;
        int64_t v = 0;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9' && i - start < 12) v = v * 10 + (text[i++] - '0');
        if (i == start) return std::nullopt;
        fields[field] = neg ? -v : v;
    }
    int64_t month0 = fields[1] - 1;
    int64_t year = fields[0] + floor_div(month0, 12);
    auto month = static_cast<uint32_t>(floor_mod(month0, 12) + 1);
    if (year < -5000000 || year > 5000000) return std::nullopt;
    int64_t days = logical::days_from_civil({static_cast<int32_t>(year), month, 1}) + (fields[2] - 1);
    return days * k_millis_per_day + fields[3] * 3600000 + fields[4] * 60000 + fields[5] * 1000 + fields[6];
}

constexpr std::string_view k_date_pattern = "yyyy-MM-dd";
constexpr std::string_view k_time_pattern = "HH:mm:ss.SSS'Z'";
constexpr std::string_view k_timestamp_pattern = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";

element parse_as_temporal(std::string_view token_in) {
    std::string token;
    token.reserve(token_in.size());
    for (size_t i = 0; i < token_in.size(); ++i) { // "\:" -> ":"
        if (token_in[i] == '\\' && i + 1 < token_in.size() && token_in[i + 1] == ':') continue;
        token.push_back(token_in[i]);
    }
    if (token.size() == 13) {
        if (auto ms = parse_pattern(token, k_time_pattern))
            return typed_value{logical::time_schema(), value(static_cast<int32_t>(*ms))};
    } else if (token.size() == 24) {
        if (auto ms = parse_pattern(token, k_timestamp_pattern))
            return typed_value{logical::timestamp_schema(), value(*ms)};
    } else if (token.size() == 10) {
        if (auto ms = parse_pattern(token, k_date_pattern))
            return typed_value{logical::date_schema(), value(static_cast<int32_t>(floor_div(*ms, k_millis_per_day)))};
    }
    return std::nullopt;
}

// Float.parseFloat / BigDecimal.floatValue of a valid decimal: correctly rounded, infinite when
// too large, zero when too small.
template <class T>
T parse_floating(std::string_view token) {
    if (!token.empty() && token[0] == '+') token.remove_prefix(1);
    T v{};
    auto r = std::from_chars(token.data(), token.data() + token.size(), v);
    if (r.ec == std::errc::result_out_of_range) {
        bool neg = !token.empty() && token[0] == '-';
        // Decide overflow vs underflow from the decimal exponent of the text.
        auto d = logical::parse_decimal(token);
        int64_t digits = d ? static_cast<int64_t>(logical::decimal_to_string(d->unscaled, 0).size()) : 0;
        bool big = d && digits - d->scale > 0;
        v = big ? std::numeric_limits<T>::infinity() : T(0);
        if (neg) v = -v;
    }
    return v;
}

typed_value parse_as_number(std::string_view token) {
    auto dec = logical::parse_decimal(token);
    if (!dec) throw std::invalid_argument("not a number"); // Java's NumberFormatException
    // parseAsExactDecimal: an integral value that fits in a long gets the smallest integer type.
    std::string digits = logical::decimal_to_string(dec->unscaled, 0); // unscaled value, with sign
    bool negative = !digits.empty() && digits[0] == '-';
    std::string_view mag = std::string_view(digits).substr(negative ? 1 : 0);
    std::optional<std::string> integral;
    if (dec->scale <= 0) {
        if (mag == "0") {
            integral = "0";
        } else if (static_cast<int64_t>(mag.size()) - dec->scale <= 20) {
            integral = std::string(mag) + std::string(static_cast<size_t>(-static_cast<int64_t>(dec->scale)), '0');
        }
    } else if (mag == "0") {
        integral = "0";
    } else if (static_cast<size_t>(dec->scale) < mag.size()) {
        auto scale = static_cast<size_t>(dec->scale);
        if (mag.find_first_not_of('0', mag.size() - scale) == std::string_view::npos)
            integral = std::string(mag.substr(0, mag.size() - scale));
    }
    if (integral) {
        std::string text = (negative ? "-" : "") + *integral;
        int64_t v = 0;
        auto r = std::from_chars(text.data(), text.data() + text.size(), v);
        if (r.ec == std::errc() && r.ptr == text.data() + text.size()) {
            if (v == static_cast<int8_t>(v)) return {schemas::int8(), value(static_cast<int8_t>(v))};
            if (v == static_cast<int16_t>(v)) return {schemas::int16(), value(static_cast<int16_t>(v))};
            if (v == static_cast<int32_t>(v)) return {schemas::int32(), value(static_cast<int32_t>(v))};
            return {schemas::int64(), value(v)};
        }
    }
    float f = parse_floating<float>(token);
    if (!std::isinf(f) && dec->scale != 0) return {schemas::float32(), value(f)};
    double d = parse_floating<double>(token);
    if (!std::isinf(d) && dec->scale != 0) return {schemas::float64(), value(d)};
    return {logical::decimal_schema(dec->scale), value::bytes(dec->unscaled)};
}

class value_parser {
public:
    explicit value_parser(std::string_view text) : _p(text) {}

    element parse(bool embedded) {
        if (!_p.has_next()) return std::nullopt;
        if (embedded && _p.can_consume("\"")) return parse_quoted_string();
        if (can_parse_single_token_literal(embedded, "null")) return std::nullopt;
        if (can_parse_single_token_literal(embedded, "true")) return typed_value{schemas::boolean(), value(true)};
        if (can_parse_single_token_literal(embedded, "false")) return typed_value{schemas::boolean(), value(false)};
        size_t start = _p.mark();
        try {
            if (_p.can_consume("[")) {
                nesting guard(_depth);
                return parse_array();
            }
            if (_p.can_consume("{")) {
                nesting guard(_depth);
                return parse_map();
            }
        } catch (const data_error&) {
            _p.rewind_to(start); // not a list or map after all: a string
        }
        std::string_view token = _p.next();
        if (is_blank(token)) return typed_value{schemas::string(), value(token)};
        return parse_next_token(embedded, trim(token));
    }

private:
    bool can_parse_single_token_literal(bool embedded, std::string_view literal) {
        size_t start = _p.mark();
        if (_p.can_consume(literal)) {
            if (embedded || !_p.has_next()) return true;
        }
        _p.rewind_to(start);
        return false;
    }

    element parse_next_token(bool embedded, std::string_view token) {
        char first = token[0];
        bool digit = first >= '0' && first <= '9';
        if (digit) {
            if (auto temporal = parse_multiple_tokens_as_temporal(token)) return temporal;
        }
        if (digit || first == '+' || first == '-') {
            try {
                return parse_as_number(token);
            } catch (const std::invalid_argument&) {
                // not a number
            }
        }
        if (embedded) throw parse_error("Failed to parse embedded value");
        return typed_value{schemas::string(), value(_p.original())};
    }

    element parse_quoted_string() {
        std::string content;
        while (_p.has_next()) {
            if (_p.can_consume("\"")) break;
            content += _p.next();
        }
        if (auto temporal = parse_as_temporal(content)) return temporal;
        return typed_value{schemas::string(), value(std::move(content))};
    }

    element parse_array() {
        std::vector<element> result;
        schema_merger element_schema;
        while (_p.has_next()) {
            if (_p.can_consume("]")) {
                value::array_type values;
                values.reserve(result.size());
                schema_ptr list_schema;
                if (element_schema.has_common_schema()) {
                    list_schema = schema_builder::array(element_schema.schema()).build();
                    for (const auto& e : result) values.push_back(convert_to(element_schema.schema(), e));
                } else {
                    list_schema = schema_builder(schema_type::array).build(); // every value is null
                    for (const auto& e : result) values.push_back(e ? e->val : value());
                }
                return typed_value{list_schema, value(std::move(values))};
            }
            if (_p.can_consume(","))
                throw parse_error(fmt::format("Unable to parse an empty array element: {}", _p.original()));
            element e = parse(true);
            element_schema.merge(e);
            result.push_back(std::move(e));
            size_t current = _p.mark();
            if (_p.can_consume("]")) {
                _p.rewind_to(current);
            } else if (!_p.can_consume(",")) {
                throw parse_error("Array elements missing ',' delimiter");
            }
        }
        if (_p.previous() == ",")
            throw parse_error(fmt::format("Array is missing element after ',': {}", _p.original()));
        throw parse_error(fmt::format("Array is missing terminating ']': {}", _p.original()));
    }

    // LinkedHashMap.put: a repeated key keeps its position and takes the new value.
    static void put(std::vector<std::pair<element, element>>& m, element k, element v) {
        for (auto& [ek, ev] : m) {
            if (ek->val == k->val) {
                ev = std::move(v);
                return;
            }
        }
        m.emplace_back(std::move(k), std::move(v));
    }

    static void put(value::map_type& m, value k, value v) {
        for (auto& [ek, ev] : m) {
            if (ek == k) {
                ev = std::move(v);
                return;
            }
        }
        m.emplace_back(std::move(k), std::move(v));
    }

    element parse_map() {
        std::vector<std::pair<element, element>> result;
        schema_merger key_schema;
        schema_merger value_schema;
        while (_p.has_next()) {
            if (_p.can_consume("}")) {
                value::map_type values;
                schema_ptr map_schema;
                if (key_schema.has_common_schema() && value_schema.has_common_schema()) {
                    map_schema = schema_builder::map(key_schema.schema(), value_schema.schema()).build();
                    for (const auto& [k, v] : result)
                        put(values, convert_to(key_schema.schema(), k), convert_to(value_schema.schema(), v));
                } else if (key_schema.has_common_schema()) {
                    map_schema = schema_builder::map_nullable(key_schema.schema(), nullptr).build();
                    for (const auto& [k, v] : result) put(values, convert_to(key_schema.schema(), k), v ? v->val : value());
                } else {
                    map_schema = schema_builder::map_nullable(nullptr, nullptr).build();
                    for (const auto& [k, v] : result) put(values, k->val, v ? v->val : value());
                }
                return typed_value{map_schema, value(std::move(values))};
            }
            if (_p.can_consume(","))
                throw parse_error(fmt::format("Unable to parse a map entry with no key or value: {}", _p.original()));
            element key = parse(true);
            if (!key || key->val.is_null())
                throw parse_error(fmt::format("Map entry may not have a null key: {}", _p.original()));
            if (!_p.can_consume(":"))
                throw parse_error(
                    fmt::format("Map entry is missing ':' at {} in {}", _p.position(), _p.original()));
            element val = parse(true);
            key_schema.merge(key);
            value_schema.merge(val);
            put(result, std::move(key), std::move(val));
            _p.can_consume(",");
        }
        if (_p.previous() == ",")
            throw parse_error(fmt::format("Map is missing element after ',': {}", _p.original()));
        throw parse_error(fmt::format("Map is missing terminating '}}': {}", _p.original()));
    }

    element parse_multiple_tokens_as_temporal(std::string_view token) {
        // A time or timestamp is split into 5 tokens at its unescaped colons.
        size_t position = _p.mark();
        if (auto remainder = _p.next(4)) {
            std::string joined(token);
            joined += *remainder;
            if (auto temporal = parse_as_temporal(joined)) return temporal;
        }
        _p.rewind_to(position);
        return parse_as_temporal(token);
    }

    // Java runs out of stack on deeply nested text (SimpleHeaderConverter then keeps the bytes);
    // this parser stops at a fixed depth with an error that is not a DataException.
    struct nesting {
        explicit nesting(int& d) : _d(d) {
            if (++_d > 1000) throw std::runtime_error("Values.parseString: nesting too deep");
        }
        ~nesting() { --_d; }
        nesting(const nesting&) = delete;
        nesting& operator=(const nesting&) = delete;
        int& _d;
    };

    tokenizer _p;
    int _depth = 0;
};

} // namespace

std::optional<std::string> convert_to_string(const schema_ptr& s, const value& v) {
    if (v.is_null()) return std::nullopt;
    std::string out;
    append(out, s.get(), v, false);
    return out;
}

typed_value parse_string(std::string_view text) {
    if (text.empty()) return typed_value{schemas::string(), value(std::string())};
    value_parser parser(text);
    element e = parser.parse(false);
    if (!e) return typed_value{};
    return std::move(*e);
}

} // namespace ferry::values
