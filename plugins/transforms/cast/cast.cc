#include "plugins/transforms/cast/cast.hpp"

#include "plugins/transforms/common/java_number.hpp"

#include "ferry/data/base64.hpp"
#include "ferry/data/logical.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>

namespace ferry::transforms {

using namespace config;

namespace {

constexpr std::string_view purpose = "cast types";
constexpr std::string_view supported_inputs = "[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]";
constexpr std::string_view supported_outputs = "[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]";

// Schema.Type.valueOf(name.toUpperCase()).
std::optional<schema_type> java_type(std::string_view name) {
    std::string up(name);
    for (auto& c : up)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    static constexpr std::pair<std::string_view, schema_type> names[] = {
        {"INT8", schema_type::int8},       {"INT16", schema_type::int16},     {"INT32", schema_type::int32},
        {"INT64", schema_type::int64},     {"FLOAT32", schema_type::float32}, {"FLOAT64", schema_type::float64},
        {"BOOLEAN", schema_type::boolean}, {"STRING", schema_type::string},   {"BYTES", schema_type::bytes},
        {"ARRAY", schema_type::array},     {"MAP", schema_type::map},         {"STRUCT", schema_type::struct_}};
    for (auto& [n, t] : names)
        if (n == up) return t;
    return std::nullopt;
}

bool is_output_type(schema_type t) {
    return t <= schema_type::string;
}
bool is_input_type(schema_type t) {
    return t <= schema_type::bytes;
}

schema_type valid_output(schema_type t) {
    if (!is_output_type(t))
        throw config_error(fmt::format("Cast transformation does not support casting to {}; supported types are {}",
                                       type_name(t), supported_outputs));
    return t;
}

struct parsed_spec {
    std::vector<std::pair<std::string, schema_type>> fields;
    std::optional<schema_type> whole;
};

// Cast.parseFieldTypes, messages included (the rename-mapping one really names `renames`).
parsed_spec parse_spec(const std::vector<std::string>& mappings) {
    parsed_spec out;
    for (const auto& mapping : mappings) {
        auto parts = java_split(mapping, ':');
        if (parts.size() > 2 || parts.empty())
            throw config_error(invalid_value("renames", mappings, "Invalid rename mapping: " + mapping));
        if (parts.size() == 1) {
            auto name = java_trim(parts[0]);
            auto t = java_type(name);
            if (!t) throw config_error(fmt::format("Invalid type found in casting spec: {}", name));
            out.whole = valid_output(*t);
        } else {
            auto name = java_trim(parts[1]);
            auto t = java_type(name);
            if (!t) throw config_error(fmt::format("Invalid type found in casting spec: {}", name));
            valid_output(*t);
            std::string field(java_trim(parts[0]));
            bool replaced = false;
            for (auto& [f, ft] : out.fields)
                if (f == field) {
                    ft = *t;
                    replaced = true;
                }
            if (!replaced) out.fields.emplace_back(std::move(field), *t);
        }
    }
    if (out.whole && mappings.size() > 1)
        throw config_error("Cast transformations that specify a type to cast the entire value to may only specify a "
                           "single cast in their spec");
    return out;
}

schema_type type_of_kind(value::kind k) {
    switch (k) {
    case value::kind::boolean:
        return schema_type::boolean;
    case value::kind::int8:
        return schema_type::int8;
    case value::kind::int16:
        return schema_type::int16;
    case value::kind::int32:
        return schema_type::int32;
    case value::kind::int64:
        return schema_type::int64;
    case value::kind::float32:
        return schema_type::float32;
    case value::kind::float64:
        return schema_type::float64;
    case value::kind::string:
        return schema_type::string;
    case value::kind::bytes:
        return schema_type::bytes;
    case value::kind::array:
        return schema_type::array;
    case value::kind::map:
        return schema_type::map;
    default:
        return schema_type::struct_;
    }
}

// Values.dateFormatFor(date).format(date), in UTC.
std::string java_date_text(int64_t ms) {
    constexpr int64_t day = 86400000;
    if (ms < day) return logical::format_time(static_cast<int32_t>(((ms % day) + day) % day));
    if (ms % day == 0) return logical::format_date(static_cast<int32_t>(ms / day));
    return logical::format_timestamp(ms);
}

// The Java object behind a value, as far as the casts care.
struct java_number {
    enum class kind { integral, floating, decimal, boolean, string, other } k = kind::other;
    int64_t i = 0; // integral, boolean
    double d = 0;  // floating
    bool is_float = false;
    std::string_view unscaled; // decimal
    int32_t scale = 0;
};

java_number classify(const schema* s, const value& v) {
    java_number n;
    if (s && s->name() && *s->name() == logical::decimal_name && v.type() == value::kind::bytes) {
        n.k = java_number::kind::decimal;
        n.unscaled = v.as_bytes();
        n.scale = logical::decimal_scale(*s);
        return n;
    }
    switch (v.type()) {
    case value::kind::int8:
    case value::kind::int16:
    case value::kind::int32:
    case value::kind::int64:
        n.k = java_number::kind::integral;
        n.i = v.to_int64();
        break;
    case value::kind::float32:
        n.k = java_number::kind::floating;
        n.d = v.as_float32();
        n.is_float = true;
        break;
    case value::kind::float64:
        n.k = java_number::kind::floating;
        n.d = v.as_float64();
        break;
    case value::kind::boolean:
        n.k = java_number::kind::boolean;
        n.i = v.as_bool() ? 1 : 0;
        break;
    case value::kind::string:
        n.k = java_number::kind::string;
        break;
    default:
        break;
    }
    return n;
}

[[noreturn]] void unexpected_type(const value& v) {
    throw data_error(fmt::format("Unexpected type in Cast transformation: {}", java_class(v)));
}

[[noreturn]] void out_of_range(const value& v) {
    throw data_error(fmt::format("Value ({}) was out of range for requested data type", to_java_string(v)));
}

// Number.intValue()/longValue() per Java class.
int64_t long_value(const java_number& n) {
    switch (n.k) {
    case java_number::kind::integral:
        return n.i;
    case java_number::kind::floating:
        return java_d2l(n.d);
    default:
        return decimal_long_value(n.unscaled, n.scale);
    }
}

int32_t int_value(const java_number& n) {
    switch (n.k) {
    case java_number::kind::integral:
        return static_cast<int32_t>(n.i);
    case java_number::kind::floating:
        return java_d2i(n.d);
    default:
        return static_cast<int32_t>(decimal_long_value(n.unscaled, n.scale));
    }
}

double double_value(const java_number& n) {
    switch (n.k) {
    case java_number::kind::integral:
        return static_cast<double>(n.i);
    case java_number::kind::floating:
        return n.d;
    default:
        return decimal_double_value(n.unscaled, n.scale);
    }
}

float float_value(const java_number& n) {
    switch (n.k) {
    case java_number::kind::integral:
        return static_cast<float>(n.i);
    case java_number::kind::floating:
        return static_cast<float>(n.d);
    default:
        return decimal_float_value(n.unscaled, n.scale);
    }
}

bool is_number(const java_number& n) {
    return n.k == java_number::kind::integral || n.k == java_number::kind::floating ||
           n.k == java_number::kind::decimal;
}

value to_integral(const java_number& n, const value& v, schema_type target) {
    int64_t min = 0, max = 0;
    switch (target) {
    case schema_type::int8:
        min = INT8_MIN, max = INT8_MAX;
        break;
    case schema_type::int16:
        min = INT16_MIN, max = INT16_MAX;
        break;
    case schema_type::int32:
        min = INT32_MIN, max = INT32_MAX;
        break;
    default:
        min = INT64_MIN, max = INT64_MAX;
        break;
    }
    int64_t r = 0;
    if (is_number(n)) {
        r = target == schema_type::int64 ? long_value(n) : int_value(n);
    } else if (n.k == java_number::kind::boolean) {
        r = n.i;
    } else if (n.k == java_number::kind::string) {
        auto p = java_parse_integer(v.as_string(), min, max);
        if (!p) out_of_range(v);
        r = *p;
    } else {
        unexpected_type(v);
    }
    switch (target) {
    case schema_type::int8:
        return value(static_cast<int8_t>(r));
    case schema_type::int16:
        return value(static_cast<int16_t>(r));
    case schema_type::int32:
        return value(static_cast<int32_t>(r));
    default:
        return value(r);
    }
}

} // namespace

const config_def& cast::definition() {
    static const config_def d =
        config_def()
            .define({.name = "spec",
                     .type = config_type::list,
                     .def = no_default,
                     .valid = [](const std::string&, const config_value& v) -> std::optional<std::string> {
                         const auto& l = std::get<std::vector<std::string>>(v);
                         if (l.empty()) return std::string("Must specify at least one field to cast.");
                         try {
                             parse_spec(l);
                         } catch (const config_error& e) {
                             return std::string(e.what());
                         }
                         return std::nullopt;
                     },
                     .imp = importance::high,
                     .doc = "List of fields and the type to cast them to of the form field1:type,field2:type to cast "
                            "fields of Maps or Structs. A single type to cast the entire value. Valid types are int8, "
                            "int16, int32, int64, float32, float64, boolean, and string. Note that binary fields can "
                            "only be cast to string."})
            .define(key_replace_null_with_default());
    return d;
}

void cast::configure(const config_map& props) {
    auto cfg = definition().parse(props);
    auto spec = parse_spec(cfg.get_list("spec"));
    _casts = std::move(spec.fields);
    _whole = spec.whole;
    _replace_null_with_default = cfg.get_bool("replace.null.with.default");
    _cache.clear();
}

value cast::cast_value(const schema* s, const value& v, schema_type target) {
    if (v.is_null()) return value();
    schema_type inferred = s ? s->type() : type_of_kind(v.type());
    if (!is_input_type(inferred))
        throw data_error(fmt::format("Cast transformation does not support casting from {}; supported types are {}",
                                     type_name(inferred), supported_inputs));
    const std::string* logical_name = s && s->name() ? &*s->name() : nullptr;
    java_number n = classify(s, v);
    switch (target) {
    case schema_type::int8:
    case schema_type::int16:
    case schema_type::int32:
    case schema_type::int64:
        return to_integral(n, v, target);
    case schema_type::float32:
        if (is_number(n) || n.k == java_number::kind::boolean)
            return value(n.k == java_number::kind::boolean ? float(n.i) : float_value(n));
        if (n.k == java_number::kind::string) {
            auto f = java_parse_float(v.as_string());
            if (!f) out_of_range(v);
            return value(*f);
        }
        unexpected_type(v);
    case schema_type::float64:
        if (is_number(n) || n.k == java_number::kind::boolean)
            return value(n.k == java_number::kind::boolean ? double(n.i) : double_value(n));
        if (n.k == java_number::kind::string) {
            auto f = java_parse_double(v.as_string());
            if (!f) out_of_range(v);
            return value(*f);
        }
        unexpected_type(v);
    case schema_type::boolean:
        if (is_number(n)) return value(long_value(n) != 0);
        if (n.k == java_number::kind::boolean) return value(n.i != 0);
        if (n.k == java_number::kind::string) {
            const auto& t = v.as_string();
            return value(t.size() == 4 && std::tolower(t[0]) == 't' && std::tolower(t[1]) == 'r' &&
                         std::tolower(t[2]) == 'u' && std::tolower(t[3]) == 'e');
        }
        unexpected_type(v);
    case schema_type::string: {
        if (logical_name) {
            if (*logical_name == logical::date_name && v.type() == value::kind::int32)
                return value(java_date_text(int64_t(v.as_int32()) * 86400000));
            if (*logical_name == logical::time_name && v.type() == value::kind::int32)
                return value(java_date_text(v.as_int32()));
            if (*logical_name == logical::timestamp_name && v.type() == value::kind::int64)
                return value(java_date_text(v.as_int64()));
            if (n.k == java_number::kind::decimal) return value(logical::decimal_to_java_string(n.unscaled, n.scale));
        }
        if (v.type() == value::kind::bytes) return value(base64_encode(v.as_bytes()));
        if (v.type() == value::kind::string) return v;
        if (v.is_integer()) { // Long.toString without to_java_string's intermediate strings
            char buf[24];
            auto res = std::to_chars(buf, buf + sizeof buf, v.to_int64());
            return value(std::string_view(buf, static_cast<size_t>(res.ptr - buf)));
        }
        return value(to_java_string(v));
    }
    default:
        throw data_error(fmt::format("{} is not supported in the Cast transformation.", type_name(target)));
    }
}

namespace {

schema_builder builder_for(schema_type t) {
    return schema_builder(t);
}

} // namespace

const cast::plan& cast::plan_for(const schema_ptr& s) {
    return _cache.get_or_build(s, [&] {
        plan p;
        std::optional<schema_builder> b;
        if (_whole) {
            b.emplace(builder_for(*_whole));
            copy_schema_basics(*s, *b);
        } else {
            if (s->type() != schema_type::struct_) throw data_error("Cannot list fields on non-struct type");
            b.emplace(schema_builder::struct_());
            copy_schema_basics(*s, *b);
            p.field_casts.resize(s->fields().size());
            for (const auto& f : s->fields()) {
                std::optional<schema_type> target;
                for (const auto& [name, t] : _casts)
                    if (name == f.name) target = t;
                if (!target) {
                    b->field(f.name, f.schema);
                    continue;
                }
                p.field_casts[static_cast<size_t>(f.index)] = target;
                schema_builder fb = builder_for(*target);
                if (f.schema->optional()) fb.optional();
                if (const value* dv = f.schema->default_value())
                    fb.default_value(cast_value(f.schema.get(), *dv, *target));
                b->field(f.name, fb.build());
            }
        }
        if (s->optional()) b->optional();
        if (const value* dv = s->default_value()) b->default_value(cast_value(s.get(), *dv, b->type()));
        p.updated = b->build();
        return p;
    });
}

bool cast::apply(connect_record& record) {
    value& v = operating_value(record, _side);
    if (v.is_null()) return true;
    schema_ptr& s = operating_schema(record, _side);
    if (!s) {
        if (_whole) {
            v = cast_value(nullptr, v, *_whole);
            return true;
        }
        auto& m = require_map(v, purpose);
        for (const auto& [name, t] : _casts) {
            value* slot = nullptr;
            for (auto& [k, e] : m)
                if (k.type() == value::kind::string && k.as_string() == name) slot = &e;
            if (slot)
                *slot = cast_value(nullptr, *slot, t);
            else
                m.emplace_back(value(name), value()); // Java's HashMap gets the missing field as null
        }
        return true;
    }
    const plan& p = plan_for(s);
    if (_whole) {
        v = cast_value(s.get(), v, *_whole);
        s = p.updated;
        return true;
    }
    const struct_ptr& in = require_struct(v, purpose);
    if (in->schema() == s && uniquely_owned(in)) {
        // The record owns the struct: cast the fields where they are. The casts (which can throw)
        // go to a scratch buffer first, so a failure leaves the struct as it was.
        const auto& in_fields = s->fields();
        const auto& out_fields = p.updated->fields();
        size_t n = 0;
        for (size_t i = 0; i < in_fields.size(); ++i) {
            const field& f = in_fields[i];
            if (const auto& target = p.field_casts[i]) {
                if (_scratch.size() <= n) _scratch.resize(n + 1);
                _scratch[n] = cast_value(f.schema.get(), field_value(*in, f, _replace_null_with_default), *target);
                check_value(out_fields[i], _scratch[n]);
                ++n;
            } else {
                check_copied(out_fields[i], field_value(*in, f, _replace_null_with_default));
            }
        }
        auto& vals = in->mutable_values();
        n = 0;
        for (size_t i = 0; i < in_fields.size(); ++i) {
            if (p.field_casts[i])
                vals[i] = std::move(_scratch[n++]);
            else
                apply_default(vals[i], in_fields[i], _replace_null_with_default);
        }
        in->reshape_unchecked(p.updated);
        s = p.updated;
        return true;
    }
    auto out = make_struct(p.updated);
    if (in->schema() == s) {
        const auto& in_fields = s->fields();
        const auto& out_fields = p.updated->fields();
        for (size_t i = 0; i < in_fields.size(); ++i) {
            const field& f = in_fields[i];
            if (const auto& target = p.field_casts[i])
                put_value(*out, out_fields[i],
                          cast_value(f.schema.get(), field_value(*in, f, _replace_null_with_default), *target));
            else
                put_copied(*out, out_fields[i], take_field(in, false, f, _replace_null_with_default));
        }
    } else {
        // The struct carries another schema object than the record: go by field name, as Java does.
        for (const auto& f : in->schema()->fields()) {
            const field* of = p.updated->find_field(f.name);
            if (!of) throw data_error(fmt::format("{} is not a valid field name", f.name));
            std::optional<schema_type> target;
            for (const auto& [name, t] : _casts)
                if (name == f.name) target = t;
            value fv = field_value(*in, f, _replace_null_with_default);
            put_value(*out, *of, target ? cast_value(f.schema.get(), fv, *target) : std::move(fv));
        }
    }
    v = value(std::move(out));
    s = p.updated;
    return true;
}

} // namespace ferry::transforms
