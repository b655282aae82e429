#include "plugins/transforms/mask_field/mask_field.hpp"

#include "plugins/transforms/common/java_number.hpp"

#include "ferry/data/logical.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace ferry::transforms {

using namespace config;

namespace {

constexpr std::string_view purpose = "mask fields";

bool is_temporal(const schema* s) {
    return s && s->name() &&
           (*s->name() == logical::date_name || *s->name() == logical::time_name ||
            *s->name() == logical::timestamp_name);
}

bool is_decimal(const schema* s, const value& v) {
    return s && s->name() && *s->name() == logical::decimal_name && v.type() == value::kind::bytes;
}

// Values.convertToXxx(null, text): new BigDecimal(text) narrowed.
[[noreturn]] void not_a_number(const std::string& text) {
    throw data_error(fmt::format("Unable to convert {} (class java.lang.String) to a number", text));
}

} // namespace

const config_def& mask_field::definition() {
    static const config_def d =
        config_def()
            .define({.name = "fields",
                     .type = config_type::list,
                     .def = no_default,
                     .valid = validators::non_empty_list(),
                     .imp = importance::high,
                     .doc = "Names of fields to mask."})
            .define({.name = "replacement",
                     .type = config_type::string,
                     .def = null_default,
                     .valid = validators::non_empty_string(),
                     .imp = importance::low,
                     .doc = "Custom value replacement, that will be applied to all 'fields' values (numeric or "
                            "non-empty string values only)."})
            .define(key_replace_null_with_default());
    return d;
}

void mask_field::configure(const config_map& props) {
    auto cfg = definition().parse(props);
    _fields = cfg.get_list("fields");
    _replacement = cfg.get_string_opt("replacement");
    _replace_null_with_default = cfg.get_bool("replace.null.with.default");
}

bool mask_field::masked(const std::string& name) const {
    return std::find(_fields.begin(), _fields.end(), name) != _fields.end();
}

value mask_field::mask(const schema* s, const value& v) const {
    if (v.is_null()) return value();
    if (!_replacement) {
        if (is_decimal(s, v)) return value::bytes(logical::decimal_from_int64(0)); // BigDecimal.ZERO
        switch (v.type()) {
        case value::kind::boolean:
            return value(false);
        case value::kind::int8:
            return value(int8_t(0));
        case value::kind::int16:
            return value(int16_t(0));
        case value::kind::int32:
            return value(int32_t(0)); // also Date/Time: new Date(0)
        case value::kind::int64:
            return value(int64_t(0)); // also Timestamp
        case value::kind::float32:
            return value(0.0f);
        case value::kind::float64:
            return value(0.0);
        case value::kind::string:
            return value(std::string());
        case value::kind::array:
            return value(value::array_type{});
        case value::kind::map:
            return value(value::map_type{});
        default:
            throw data_error(fmt::format("Cannot mask value of type: {}", java_class(v)));
        }
    }
    const std::string& r = *_replacement;
    if (is_temporal(s)) throw data_error("Cannot mask value of type class java.util.Date with custom replacement.");
    if (is_decimal(s, v)) {
        if (!logical::parse_decimal(r))
            throw data_error(fmt::format("Unable to convert {} (class java.lang.String) to number", r));
        return value::bytes(logical::decimal_from_string(r, logical::decimal_scale(*s)));
    }
    auto as_long = [&] {
        auto l = big_decimal_long_value(r);
        if (!l) not_a_number(r);
        return *l;
    };
    auto as_double = [&] {
        auto d = big_decimal_double_value(r);
        if (!d) not_a_number(r);
        return *d;
    };
    switch (v.type()) {
    case value::kind::int8:
        return value(static_cast<int8_t>(as_long()));
    case value::kind::int16:
        return value(static_cast<int16_t>(as_long()));
    case value::kind::int32:
        return value(static_cast<int32_t>(as_long()));
    case value::kind::int64:
        return value(as_long());
    case value::kind::float32:
        return value(static_cast<float>(as_double()));
    case value::kind::float64:
        return value(as_double());
    case value::kind::string:
        return value(r);
    default:
        throw data_error(fmt::format("Cannot mask value of type {} with custom replacement.", java_class(v)));
    }
}

bool mask_field::apply(connect_record& record) {
    schema_ptr& s = operating_schema(record, _side);
    value& v = operating_value(record, _side);
    if (!s) {
        auto& m = require_map(v, purpose);
        for (const auto& name : _fields) {
            bool found = false;
            for (auto& [k, e] : m)
                if (k.type() == value::kind::string && k.as_string() == name) {
                    e = mask(nullptr, e);
                    found = true;
                }
            if (!found) m.emplace_back(value(name), value()); // Java puts masked(null) = null
        }
        return true;
    }
    const struct_ptr& in = require_struct(v, purpose);
    auto out = make_struct(in->schema());
    for (const auto& f : in->schema()->fields()) {
        const value& fv = field_value(*in, f, _replace_null_with_default);
        put_value(*out, f, masked(f.name) ? mask(f.schema.get(), fv) : fv);
    }
    v = value(std::move(out));
    return true;
}

} // namespace ferry::transforms
