#include "plugins/transforms/timestamp_converter/timestamp_converter.hpp"

#include "ferry/data/logical.hpp"

#include <fmt/format.h>

#include <limits>
#include <stdexcept>

namespace ferry::transforms {

using namespace config;

namespace {

constexpr std::string_view purpose = "converting timestamp formats";
constexpr int64_t millis_per_day = 86400000;

int64_t floor_div(int64_t a, int64_t b) {
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

// TimeUnit conversions: saturating multiplication, truncating division.
int64_t scale_up(int64_t v, int64_t factor) {
    if (v > std::numeric_limits<int64_t>::max() / factor) return std::numeric_limits<int64_t>::max();
    if (v < std::numeric_limits<int64_t>::min() / factor) return std::numeric_limits<int64_t>::min();
    return v * factor;
}

bool is_blank(std::string_view s) {
    return java_trim(s).empty();
}

timestamp_converter::ts_type type_from_schema(const schema& s) {
    using t = timestamp_converter::ts_type;
    if (s.has_name(logical::timestamp_name)) return t::timestamp;
    if (s.has_name(logical::date_name)) return t::date;
    if (s.has_name(logical::time_name)) return t::time;
    if (s.type() == schema_type::string) return t::string;
    if (s.type() == schema_type::int64) return t::unix_;
    // Java throws ConnectException here; it is per record, so it is reported as bad data.
    throw data_error(fmt::format("Schema {} does not correspond to a known timestamp type format", s.to_string()));
}

} // namespace

const config_def& timestamp_converter::definition() {
    static const config_def d =
        config_def()
            .define({.name = "field",
                     .type = config_type::string,
                     .def = "",
                     .imp = importance::high,
                     .doc = "The field containing the timestamp, or empty if the entire value is a timestamp"})
            .define({.name = "target.type",
                     .type = config_type::string,
                     .def = no_default,
                     .valid = validators::one_of({"string", "unix", "Date", "Time", "Timestamp"}),
                     .imp = importance::high,
                     .doc = "The desired timestamp representation: string, unix, Date, Time, or Timestamp"})
            .define({.name = "format",
                     .type = config_type::string,
                     .def = "",
                     .imp = importance::medium,
                     .doc = "A SimpleDateFormat-compatible format for the timestamp. Used to generate the output when "
                            "type=string or used to parse the input if the input is a string."})
            .define({.name = "unix.precision",
                     .type = config_type::string,
                     .def = "milliseconds",
                     .valid = validators::one_of({"nanoseconds", "microseconds", "milliseconds", "seconds"}),
                     .imp = importance::low,
                     .doc = "The desired Unix precision for the timestamp: seconds, milliseconds, microseconds, or "
                            "nanoseconds. Used to generate the output when type=unix or used to parse the input if "
                            "the input is a Long.Note: This SMT will cause precision loss during conversions from, "
                            "and to, values with sub-millisecond components."})
            .define(key_replace_null_with_default());
    return d;
}

void timestamp_converter::configure(const config_map& props) {
    auto cfg = definition().parse(props);
    _field = cfg.get_string("field");
    const auto& type = cfg.get_string("target.type");
    _target = type == "string" ? ts_type::string
              : type == "unix" ? ts_type::unix_
              : type == "Date" ? ts_type::date
              : type == "Time" ? ts_type::time
                               : ts_type::timestamp;
    const auto& p = cfg.get_string("unix.precision");
    _precision = p == "seconds"        ? precision::seconds
                 : p == "microseconds" ? precision::microseconds
                 : p == "nanoseconds"  ? precision::nanoseconds
                                       : precision::milliseconds;
    _replace_null_with_default = cfg.get_bool("replace.null.with.default");
    const auto& pattern = cfg.get_string("format");
    if (_target == ts_type::string && is_blank(pattern))
        throw config_error("TimestampConverter requires format option to be specified when using string timestamps");
    _format.reset();
    if (!is_blank(pattern)) {
        try {
            _format.emplace(pattern);
        } catch (const std::invalid_argument&) {
            throw config_error(
                "TimestampConverter requires a SimpleDateFormat-compatible pattern for string timestamps: " + pattern);
        }
    }
    _cache.clear();
}

int64_t timestamp_converter::to_raw(ts_type from, const value& v) const {
    switch (from) {
    case ts_type::string: {
        if (v.type() != value::kind::string)
            throw data_error(fmt::format("Expected string timestamp to be a String, but found {}", java_class(v)));
        if (!_format)
            throw data_error("TimestampConverter requires format option to be specified when using string timestamps");
        auto ms = _format->parse(v.as_string());
        if (!ms)
            throw data_error(fmt::format("Could not parse timestamp: value ({}) does not match pattern ({})",
                                         v.as_string(), _format->pattern()));
        return *ms;
    }
    case ts_type::unix_: {
        if (v.type() != value::kind::int64)
            throw data_error(fmt::format("Expected Unix timestamp to be a Long, but found {}", java_class(v)));
        int64_t t = v.as_int64();
        switch (_precision) {
        case precision::seconds:
            return scale_up(t, 1000);
        case precision::microseconds:
            return t / 1000;
        case precision::nanoseconds:
            return t / 1000000;
        default:
            return t;
        }
    }
    case ts_type::date:
        if (v.type() != value::kind::int32)
            throw data_error(fmt::format("Expected Date to be a java.util.Date, but found {}", java_class(v)));
        return int64_t(v.as_int32()) * millis_per_day;
    case ts_type::time:
        if (v.type() != value::kind::int32)
            throw data_error(fmt::format("Expected Time to be a java.util.Date, but found {}", java_class(v)));
        return v.as_int32();
    case ts_type::timestamp:
        if (v.type() != value::kind::int64)
            throw data_error(fmt::format("Expected Timestamp to be a java.util.Date, but found {}", java_class(v)));
        return v.as_int64();
    }
    return 0;
}

value timestamp_converter::to_type(int64_t ms) const {
    switch (_target) {
    case ts_type::string:
        return value(_format->format(ms));
    case ts_type::unix_:
        switch (_precision) {
        case precision::seconds:
            return value(ms / 1000);
        case precision::microseconds:
            return value(scale_up(ms, 1000));
        case precision::nanoseconds:
            return value(scale_up(ms, 1000000));
        default:
            return value(ms);
        }
    case ts_type::date:
        return value(static_cast<int32_t>(floor_div(ms, millis_per_day)));
    case ts_type::time:
        return value(static_cast<int32_t>(ms - floor_div(ms, millis_per_day) * millis_per_day));
    case ts_type::timestamp:
        return value(ms);
    }
    return value();
}

value timestamp_converter::convert(const value& v, std::optional<ts_type> from) const {
    if (v.is_null()) return value();
    if (!from) {
        if (v.type() == value::kind::int64)
            from = ts_type::unix_;
        else if (v.type() == value::kind::string)
            from = ts_type::string;
        else
            throw data_error(
                fmt::format("TimestampConverter does not support {} objects as timestamps", java_class(v)));
    }
    return to_type(to_raw(*from, v));
}

schema_ptr timestamp_converter::type_schema(bool optional) const {
    switch (_target) {
    case ts_type::string:
        return optional ? schemas::optional_string() : schemas::string();
    case ts_type::unix_:
        return optional ? schemas::optional_int64() : schemas::int64();
    case ts_type::date: {
        static const schema_ptr o = logical::date_schema(true), r = logical::date_schema(false);
        return optional ? o : r;
    }
    case ts_type::time: {
        static const schema_ptr o = logical::time_schema(true), r = logical::time_schema(false);
        return optional ? o : r;
    }
    default: {
        static const schema_ptr o = logical::timestamp_schema(true), r = logical::timestamp_schema(false);
        return optional ? o : r;
    }
    }
}

struct_ptr timestamp_converter::convert_struct(const struct_value& in, const schema_ptr& updated) const {
    auto out = make_struct(updated);
    for (const auto& f : in.schema()->fields()) {
        const value& fv = field_value(in, f, _replace_null_with_default);
        const field* of = &updated->fields()[static_cast<size_t>(f.index)];
        if (of->name != f.name) of = updated->find_field(f.name);
        if (!of) throw data_error(f.name + " is not a valid field name");
        put_value(*out, *of, f.name == _field ? convert(fv, type_from_schema(*f.schema)) : fv);
    }
    return out;
}

bool timestamp_converter::apply(connect_record& record) {
    schema_ptr& s = operating_schema(record, _side);
    value& v = operating_value(record, _side);
    if (!s) {
        if (v.is_null() || _field.empty()) {
            v = convert(v, std::nullopt);
            return true;
        }
        auto& m = require_map(v, purpose);
        for (auto& [k, e] : m)
            if (k.type() == value::kind::string && k.as_string() == _field) {
                e = convert(e, std::nullopt);
                return true;
            }
        m.emplace_back(value(_field), value()); // Java puts convert(null) = null
        return true;
    }
    if (_field.empty()) {
        ts_type from = type_from_schema(*s);
        v = convert(v, from);
        s = type_schema(s->optional());
        return true;
    }
    struct_ptr in = v.is_null() ? nullptr : require_struct(v, purpose);
    const schema_ptr& updated = _cache.get_or_build(s, [&] {
        if (s->type() != schema_type::struct_) throw data_error("Cannot list fields on non-struct type");
        schema_builder b = schema_builder::struct_();
        copy_schema_basics(*s, b);
        for (const auto& f : s->fields())
            b.field(f.name, f.name == _field ? type_schema(f.schema->optional()) : f.schema);
        if (s->optional()) b.optional();
        if (const value* dv = s->default_value(); dv && dv->type() == value::kind::struct_) {
            schema_ptr without_default = b.build();
            b.default_value(value(convert_struct(*dv->as_struct(), without_default)));
        }
        return b.build();
    });
    if (in) v = value(convert_struct(*in, updated));
    s = updated;
    return true;
}

} // namespace ferry::transforms
