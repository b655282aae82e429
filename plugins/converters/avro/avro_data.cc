#include "plugins/converters/avro/avro_data.hpp"

#include "ferry/connect/errors.hpp"
#include "ferry/data/logical.hpp"
#include "schema_registry/avro/json.hpp"

#include <fmt/format.h>

#include <cstring>
#include <map>
#include <set>

namespace ferry::avro_converter {

using avro::json;
using avro::node;
namespace at = ferry::avro;

namespace {

constexpr std::string_view ns_default = "io.confluent.connect.avro";
constexpr std::string_view default_name = "ConnectDefault";
constexpr std::string_view map_entry = "MapEntry";
constexpr std::string_view union_name = "io.confluent.connect.avro.Union";
constexpr std::string_view enum_param = "io.confluent.connect.avro.Enum";
constexpr std::string_view field_doc_prefix = "io.confluent.connect.avro.field.doc.";
constexpr std::string_view record_doc = "io.confluent.connect.avro.record.doc";

[[noreturn]] void fail_data(std::string msg) {
    throw data_error(std::move(msg));
}

// scrub.invalid.names, as Confluent's AvroData.doScrubName for one name: a valid name (letters,
// digits, '_', not starting with a digit) is kept; any other is URL-encoded (UTF-8, ' ' as '+',
// other bytes as %XX), prefixed with 'x' when it starts with a digit, and every character left
// that is not a letter, digit or '_' becomes '_' - "prix\u20ac" -> "prix_E2_82_AC", "1abc" -> "x1abc".
std::string scrub(std::string_view name) {
    auto word = [](unsigned char c) { return std::isalnum(c) || c == '_'; };
    if (name.empty()) return std::string(name);
    bool ok = !std::isdigit(static_cast<unsigned char>(name[0]));
    for (unsigned char c : name) ok = ok && word(c);
    if (ok) return std::string(name);
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string encoded;
    for (unsigned char c : name) {
        if (word(c) || c == '.' || c == '-' || c == '*') {
            encoded += char(c);
        } else if (c == ' ') {
            encoded += '+';
        } else {
            encoded += '%';
            encoded += hex[c >> 4];
            encoded += hex[c & 15];
        }
    }
    if (std::isdigit(static_cast<unsigned char>(encoded[0]))) encoded.insert(0, 1, 'x');
    for (auto& c : encoded)
        if (!word(static_cast<unsigned char>(c))) c = '_';
    return encoded;
}

// A full name's parts (split at '.') scrubbed one by one (Confluent's scrubFullName).
std::string scrub_full_name(std::string_view full) {
    std::string out;
    size_t start = 0;
    while (true) {
        size_t dot = full.find('.', start);
        out += scrub(full.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
        if (dot == std::string_view::npos) break;
        out += '.';
        start = dot + 1;
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Connect value <-> JSON defaults

json default_from_connect(const schema& s, const value& v) {
    if (v.is_null()) return json::null();
    switch (s.type()) {
    case schema_type::int8:
    case schema_type::int16:
    case schema_type::int32:
    case schema_type::int64:
        return json::integer(v.to_int64());
    case schema_type::float32:
        return json::number(double(v.as_float32()));
    case schema_type::float64:
        return json::number(v.as_float64());
    case schema_type::boolean:
        return json::boolean(v.as_bool());
    case schema_type::string:
        return json::string(v.as_string());
    case schema_type::bytes: {
        // ISO-8859-1: each byte is one code point, as Avro writes byte defaults.
        std::string out;
        for (unsigned char c : v.as_bytes()) {
            if (c < 0x80)
                out.push_back(char(c));
            else {
                out.push_back(char(0xC0 | (c >> 6)));
                out.push_back(char(0x80 | (c & 0x3F)));
            }
        }
        return json::string(std::move(out));
    }
    case schema_type::array: {
        json::items items;
        for (auto& e : v.as_array())
            items.push_back(default_from_connect(*s.value_schema(), e));
        return json::array(std::move(items));
    }
    case schema_type::map: {
        if (s.key_schema()->type() == schema_type::string && !s.key_schema()->optional()) {
            json::members m;
            for (auto& [k, e] : v.as_map())
                m.emplace_back(k.as_string(), default_from_connect(*s.value_schema(), e));
            return json::object(std::move(m));
        }
        json::items items;
        for (auto& [k, e] : v.as_map())
            items.push_back(
                json::array({default_from_connect(*s.key_schema(), k), default_from_connect(*s.value_schema(), e)}));
        return json::array(std::move(items));
    }
    case schema_type::struct_: {
        json::members m;
        auto& sv = *v.as_struct();
        for (auto& f : s.fields())
            m.emplace_back(f.name, default_from_connect(*f.schema, sv.get(f)));
        return json::object(std::move(m));
    }
    }
    return json::null();
}

// JSON default (Avro field default or connect.default) -> Connect value of `s`; nullopt if it does not fit.
std::optional<value> default_to_connect(const schema_ptr& s, const json& j) {
    if (j.is_null()) return value();
    switch (s->type()) {
    case schema_type::int8:
        if (j.is_integer()) return value(int8_t(j.as_int()));
        break;
    case schema_type::int16:
        if (j.is_integer()) return value(int16_t(j.as_int()));
        break;
    case schema_type::int32:
        if (j.is_integer()) return value(int32_t(j.as_int()));
        break;
    case schema_type::int64:
        if (j.is_integer()) return value(int64_t(j.as_int()));
        break;
    case schema_type::float32:
        if (j.is_number()) return value(float(j.as_double()));
        break;
    case schema_type::float64:
        if (j.is_number()) return value(j.as_double());
        break;
    case schema_type::boolean:
        if (j.is_bool()) return value(j.as_bool());
        break;
    case schema_type::string:
        if (j.is_string()) return value(j.as_string());
        break;
    case schema_type::bytes:
        if (j.is_string()) {
            // ISO-8859-1 code points back to bytes.
            std::string out;
            const std::string& t = j.as_string();
            for (size_t i = 0; i < t.size(); i++) {
                unsigned char c = t[i];
                if (c < 0x80)
                    out.push_back(char(c));
                else if ((c & 0xE0) == 0xC0 && i + 1 < t.size()) {
                    out.push_back(char(((c & 0x1F) << 6) | (t[i + 1] & 0x3F)));
                    i++;
                } else
                    return std::nullopt;
            }
            return value::bytes(std::move(out));
        }
        break;
    case schema_type::array:
        if (j.is_array()) {
            value::array_type a;
            for (auto& e : j.as_array()) {
                auto x = default_to_connect(s->value_schema(), e);
                if (!x) return std::nullopt;
                a.push_back(std::move(*x));
            }
            return value(std::move(a));
        }
        break;
    case schema_type::map:
        if (j.is_object()) {
            value::map_type m;
            for (auto& [k, e] : j.as_object()) {
                auto x = default_to_connect(s->value_schema(), e);
                if (!x) return std::nullopt;
                m.emplace_back(value(k), std::move(*x));
            }
            return value(std::move(m));
        }
        if (j.is_array()) {
            value::map_type m;
            for (auto& e : j.as_array()) {
                if (!e.is_array() || e.as_array().size() != 2) return std::nullopt;
                auto k = default_to_connect(s->key_schema(), e.as_array()[0]);
                auto x = default_to_connect(s->value_schema(), e.as_array()[1]);
                if (!k || !x) return std::nullopt;
                m.emplace_back(std::move(*k), std::move(*x));
            }
            return value(std::move(m));
        }
        break;
    case schema_type::struct_:
        if (j.is_object()) {
            auto sv = make_struct(s);
            for (auto& f : s->fields()) {
                const json* fj = j.get(f.name);
                if (!fj) continue;
                auto x = default_to_connect(f.schema, *fj);
                if (!x) return std::nullopt;
                sv->put_unchecked(f.index, std::move(*x));
            }
            return value(sv);
        }
        break;
    }
    return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Connect schema -> Avro schema

struct from_ctx {
    at::schema& out;
    const avro_data_config& cfg;
    int default_names = 0;
    // Schemas already converted in their required form (a required schema, or an optional one
    // converted without its null union), compared by structure as Java's schemaMap compares the
    // required copies it makes: an equal schema met again gets the same node, and the schema
    // writer spells a named type out once and refers to it by name afterwards.
    std::vector<std::pair<const ferry::schema*, node*>> done;
    // Records by Connect name (Java's cycleReferences): an optional struct, an array element, a
    // map value or a union branch whose name is already a record refers to that record. This is
    // how a Debezium envelope's `after` becomes ["null","<prefix>.<schema>.<table>.Value"] after
    // `before` spelled the Value record out.
    std::map<std::string, const node*, std::less<>> records_by_name;
    std::set<std::string> names;

    std::pair<std::string, std::string> split(const std::optional<std::string>& full) {
        if (!full) return {std::string(ns_default), std::string(default_name)};
        std::string n = cfg.scrub_invalid_names ? scrub_full_name(*full) : *full;
        auto dot = n.rfind('.');
        if (dot == std::string::npos) return {"", n};
        return {n.substr(0, dot), n.substr(dot + 1)};
    }

    void set_name(node* n, std::string space, std::string name) {
        n->space = std::move(space);
        n->name = std::move(name);
        n->full_name = n->space.empty() ? n->name : n->space + "." + n->name;
    }

    at::field make_field(const std::string& name, const schema_ptr& fs, std::optional<std::string> doc) {
        at::field f;
        f.name = cfg.scrub_invalid_names ? scrub(name) : name;
        f.schema = convert(*fs, false);
        f.doc = std::move(doc);
        if (fs->default_value())
            f.default_value = default_from_connect(*fs, *fs->default_value());
        else if (fs->optional())
            f.default_value = json::null();
        return f;
    }

    // ignore_optional: convert the schema's required form. Java converts a required copy of the
    // schema (nonOptional()); leaving out the null union is the same thing for every type.
    const node* convert_with_cycle(const ferry::schema& s, bool ignore_optional) {
        if (s.name())
            if (auto it = records_by_name.find(*s.name()); it != records_by_name.end()) return it->second;
        return convert(s, ignore_optional);
    }

    const node* convert(const ferry::schema& s, bool ignore_optional) {
        const bool required_form = !s.optional() || ignore_optional;
        if (required_form && !s.has_name(union_name)) {
            for (auto& [k, n] : done)
                if (k == &s || equal_ignoring_optional(*k, s)) return n;
        }
        std::optional<std::string> connect_type;
        node* base = nullptr;
        auto [space, name] = split(s.name());
        switch (s.type()) {
        case schema_type::int8:
            connect_type = "int8";
            base = out.make(at::type::int_);
            break;
        case schema_type::int16:
            connect_type = "int16";
            base = out.make(at::type::int_);
            break;
        case schema_type::int32:
            base = out.make(at::type::int_);
            break;
        case schema_type::int64:
            base = out.make(at::type::long_);
            break;
        case schema_type::float32:
            base = out.make(at::type::float_);
            break;
        case schema_type::float64:
            base = out.make(at::type::double_);
            break;
        case schema_type::boolean:
            base = out.make(at::type::boolean);
            break;
        case schema_type::string:
            if (cfg.enhanced_avro_schema_support && s.parameter(enum_param)) {
                base = out.make(at::type::enum_);
                auto [es, en] = split(*s.parameter(enum_param));
                set_name(base, es, en);
                std::string prefix = std::string(enum_param) + ".";
                for (auto& [k, v] : s.parameters())
                    if (k.rfind(prefix, 0) == 0) base->symbols.push_back(v);
            } else {
                base = out.make(at::type::string);
            }
            break;
        case schema_type::bytes:
            base = out.make(at::type::bytes);
            if (s.has_name(logical::decimal_name)) {
                auto* sc = s.parameter(logical::decimal_scale_param);
                auto* pr = s.parameter(logical::decimal_precision_param);
                base->add_prop("scale", json::integer(sc ? std::stoi(*sc) : 0));
                base->add_prop("precision", json::integer(pr ? std::stoi(*pr) : 64));
            }
            break;
        case schema_type::array:
            base = out.make(at::type::array);
            base->items = convert_with_cycle(*s.value_schema(), false);
            break;
        case schema_type::map:
            if (s.key_schema()->type() == schema_type::string && !s.key_schema()->optional()) {
                base = out.make(at::type::map);
                base->items = convert_with_cycle(*s.value_schema(), false);
            } else {
                node* entry = out.make(at::type::record);
                if (!s.name())
                    set_name(entry, std::string(ns_default), std::string(map_entry));
                else {
                    set_name(entry, space, name);
                    entry->add_prop("connect.internal.type", json::string(std::string(map_entry)));
                }
                entry->fields.push_back(make_field("key", s.key_schema(), std::nullopt));
                entry->fields.push_back(make_field("value", s.value_schema(), std::nullopt));
                for (size_t i = 0; i < entry->fields.size(); i++)
                    entry->fields[i].position = int(i);
                base = out.make(at::type::array);
                base->items = entry;
            }
            break;
        case schema_type::struct_:
            if (s.has_name(union_name)) {
                base = out.make(at::type::union_);
                if (s.optional()) base->branches.push_back(out.make(at::type::null_));
                for (auto& f : s.fields())
                    base->branches.push_back(convert_with_cycle(*f.schema, true));
            } else if (s.optional() && !ignore_optional) {
                base = out.make(at::type::union_);
                base->branches.push_back(out.make(at::type::null_));
                base->branches.push_back(convert_with_cycle(s, true));
            } else {
                base = out.make(at::type::record);
                if (!s.name()) {
                    int n = ++default_names;
                    set_name(base, std::string(ns_default),
                             n == 1 ? std::string(default_name) : fmt::format("{}{}", default_name, n));
                } else {
                    set_name(base, space, name);
                }
                if (!names.insert(base->full_name).second)
                    fail_data(fmt::format("Cannot convert schema to Avro: the record name {} is used twice",
                                          base->full_name));
                if (s.name()) records_by_name.emplace(*s.name(), base);
                if (auto* d = s.parameter(record_doc)) base->doc = *d;
                for (auto& f : s.fields()) {
                    std::optional<std::string> doc;
                    if (auto* d = s.parameter(std::string(field_doc_prefix) + f.name)) doc = *d;
                    base->fields.push_back(make_field(f.name, f.schema, doc));
                }
                for (size_t i = 0; i < base->fields.size(); i++)
                    base->fields[i].position = int(i);
            }
            break;
        }

        const node* final_node = base;
        if (base->type != at::type::union_) {
            if (cfg.connect_meta_data) {
                if (s.doc()) base->add_prop("connect.doc", json::string(*s.doc()));
                if (s.version()) base->add_prop("connect.version", json::integer(*s.version()));
                if (!s.parameters().empty()) {
                    json::members m;
                    for (auto& [k, v] : s.parameters())
                        if (k != "io.confluent.connect.avro.field.default") m.emplace_back(k, json::string(v));
                    if (!m.empty()) base->add_prop("connect.parameters", json::object(std::move(m)));
                }
                if (s.default_value() && !s.parameter("io.confluent.connect.avro.field.default"))
                    base->add_prop("connect.default", default_from_connect(s, *s.default_value()));
                if (s.name()) base->add_prop("connect.name", json::string(*s.name()));
                if (connect_type) base->add_prop("connect.type", json::string(*connect_type));
            }
            if (s.name()) {
                if (s.has_name(logical::decimal_name)) {
                    auto* sc = s.parameter(logical::decimal_scale_param);
                    auto* pr = s.parameter(logical::decimal_precision_param);
                    int precision = pr ? std::stoi(*pr) : 64, scale = sc ? std::stoi(*sc) : 0;
                    // Out-of-spec scales keep only the legacy props (and logicalType when a
                    // precision was given), as Java does.
                    if ((scale >= 0 && scale <= precision) || pr)
                        base->add_prop("logicalType", json::string("decimal"));
                } else if (s.has_name(logical::time_name)) {
                    base->add_prop("logicalType", json::string("time-millis"));
                } else if (s.has_name(logical::timestamp_name)) {
                    base->add_prop("logicalType", json::string("timestamp-millis"));
                } else if (s.has_name(logical::date_name)) {
                    base->add_prop("logicalType", json::string("date"));
                }
            }
            if (!ignore_optional && s.optional()) {
                node* u = out.make(at::type::union_);
                if (s.default_value()) {
                    u->branches.push_back(base);
                    u->branches.push_back(out.make(at::type::null_));
                } else {
                    u->branches.push_back(out.make(at::type::null_));
                    u->branches.push_back(base);
                }
                final_node = u;
            }
        }
        if (required_form) done.emplace_back(&s, const_cast<node*>(final_node));
        return final_node;
    }
};

// ---------------------------------------------------------------------------------------------
// Avro schema -> Connect schema

struct to_ctx {
    const avro_data_config& cfg;
    std::vector<const node*> stack; // records being converted (cycles are not representable)

    std::string branch_name(const node& b) {
        if (at::is_named(b.type)) return cfg.enhanced_avro_schema_support ? b.full_name : b.name;
        return std::string(at::type_name(b.type));
    }

    schema_ptr convert(const node& n, bool force_optional, const json* field_default) {
        schema_builder b(schema_type::string);
        bool named = false;
        switch (n.type) {
        case at::type::null_:
            fail_data("Cannot convert the Avro type null to a Connect schema");
        case at::type::boolean:
            b = schema_builder::boolean();
            break;
        case at::type::int_: {
            auto* ct = n.prop_string("connect.type");
            if (ct && *ct == "int8")
                b = schema_builder::int8();
            else if (ct && *ct == "int16")
                b = schema_builder::int16();
            else if (n.logical == at::logical::date)
                b = logical::date_builder(), named = true;
            else if (n.logical == at::logical::time_millis)
                b = logical::time_builder(), named = true;
            else
                b = schema_builder::int32();
            break;
        }
        case at::type::long_:
            if (n.logical == at::logical::timestamp_millis)
                b = logical::timestamp_builder(), named = true;
            else
                b = schema_builder::int64();
            break;
        case at::type::float_:
            b = schema_builder::float32();
            break;
        case at::type::double_:
            b = schema_builder::float64();
            break;
        case at::type::bytes:
        case at::type::fixed:
            if (n.logical == at::logical::decimal ||
                (n.prop_string("logicalType") && *n.prop_string("logicalType") == "decimal")) {
                int32_t scale = n.scale, precision = n.precision;
                if (n.logical != at::logical::decimal) {
                    if (auto* sc = n.prop("scale"); sc && sc->is_integer()) scale = int32_t(sc->as_int());
                    if (auto* pr = n.prop("precision"); pr && pr->is_integer()) precision = int32_t(pr->as_int());
                }
                b = logical::decimal_builder(scale);
                if (precision > 0)
                    b.parameter(std::string(logical::decimal_precision_param), std::to_string(precision));
                named = true;
            } else {
                b = schema_builder::bytes();
            }
            if (n.type == at::type::fixed) b.parameter("connect.fixed.size", std::to_string(n.size));
            break;
        case at::type::string:
            b = schema_builder::string();
            break;
        case at::type::enum_:
            b = schema_builder::string();
            b.parameter(std::string(enum_param), n.full_name);
            for (auto& sym : n.symbols)
                b.parameter(std::string(enum_param) + "." + sym, sym);
            break;
        case at::type::array:
            if (n.items->type == at::type::record && ((n.items->space == ns_default && n.items->name == map_entry) ||
                                                      (n.items->prop_string("connect.internal.type") &&
                                                       *n.items->prop_string("connect.internal.type") == map_entry))) {
                auto* k = n.items->find_field("key");
                auto* v = n.items->find_field("value");
                if (!k || !v) fail_data("MapEntry record without key and value fields");
                b = schema_builder::map(convert(*k->schema, false, nullptr), convert(*v->schema, false, nullptr));
            } else {
                b = schema_builder::array(convert(*n.items, false, nullptr));
            }
            break;
        case at::type::map:
            b = schema_builder::map(schemas::string(), convert(*n.items, false, nullptr));
            break;
        case at::type::record: {
            for (auto* r : stack)
                if (r == &n)
                    fail_data(
                        fmt::format("Recursive Avro schema {} cannot be converted to a Connect schema", n.full_name));
            stack.push_back(&n);
            b = schema_builder::struct_();
            if (n.doc) b.parameter(std::string(record_doc), *n.doc);
            for (auto& f : n.fields) {
                if (f.doc) b.parameter(std::string(field_doc_prefix) + f.name, *f.doc);
                b.field(f.name, convert(*f.schema, false, f.default_value ? &*f.default_value : nullptr));
            }
            stack.pop_back();
            if (!n.prop_string("connect.name") && !(n.space == ns_default && n.name.rfind(default_name, 0) == 0)) {
                b.name(n.full_name);
                named = true;
            }
            break;
        }
        case at::type::union_: {
            int nb = n.null_branch();
            if (n.branches.size() == 2 && nb >= 0) {
                const node& other = *n.branches[1 - nb];
                // The field default of an optional field is null (first branch) or the value.
                const json* def = field_default && !field_default->is_null() ? field_default : nullptr;
                return convert(other, true, def);
            }
            if (n.branches.size() == 1) return convert(*n.branches[0], force_optional, field_default);
            b = schema_builder::struct_();
            b.name(std::string(union_name));
            for (auto* br : n.branches) {
                if (br->type == at::type::null_) continue;
                b.field(branch_name(*br), convert(*br, true, nullptr));
            }
            if (nb >= 0 || force_optional) b.optional();
            return b.build();
        }
        }
        // connect.* properties; a value equal to what the logical type or record already set is
        // accepted by the builder, a conflicting one is ignored (the Avro type wins).
        auto guarded = [&](auto&& f) {
            try {
                f();
            } catch (const data_error&) {
            }
        };
        if (auto* doc = n.prop_string("connect.doc")) guarded([&] { b.doc(*doc); });
        if (auto* v = n.prop("connect.version"); v && v->is_integer())
            guarded([&] { b.version(int32_t(v->as_int())); });
        if (auto* p = n.prop("connect.parameters"); p && p->is_object())
            for (auto& [k, v] : p->as_object())
                if (v.is_string()) b.parameter(k, v.as_string());
        if (auto* nm = n.prop_string("connect.name")) guarded([&] { b.name(*nm); });
        (void)named;
        if (force_optional) b.optional();
        const json* def = field_default;
        if (!def || def->is_null()) def = n.prop("connect.default");
        if (def && !def->is_null()) {
            auto tmp = b.build();
            if (auto v = default_to_connect(tmp, *def)) {
                try {
                    b.default_value(std::move(*v));
                } catch (const data_error&) {
                }
            }
        }
        return b.build();
    }
};

// ---------------------------------------------------------------------------------------------
// Binary

inline void write_int_raw(uint64_t z, std::string& out) {
    char buf[10];
    int n = 0;
    while (z >= 0x80) {
        buf[n++] = char((z & 0x7F) | 0x80);
        z >>= 7;
    }
    buf[n++] = char(z);
    out.append(buf, size_t(n));
}

[[noreturn]] void truncated() {
    fail_data("Avro data is truncated or malformed");
}

inline std::string_view read_bytes(const char*& p, const char* end) {
    int64_t len = read_long(p, end);
    if (len < 0 || len > end - p) truncated();
    std::string_view s(p, size_t(len));
    p += len;
    return s;
}

template <class T> T read_fixed_le(const char*& p, const char* end) {
    if (end - p < int64_t(sizeof(T))) truncated();
    T v;
    std::memcpy(&v, p, sizeof(T)); // x86-64 and aarch64 are little-endian, as Avro
    p += sizeof(T);
    return v;
}

void skip(const node& w, const char*& p, const char* end, int depth);

} // namespace

void write_long(int64_t v, std::string& out) {
    write_int_raw((uint64_t(v) << 1) ^ uint64_t(v >> 63), out);
}

int64_t read_long(const char*& p, const char* end) {
    uint64_t z = 0;
    int shift = 0;
    while (true) {
        if (p >= end) truncated();
        uint8_t b = uint8_t(*p++);
        if (shift == 63 && b > 1) fail_data("Avro varint is too long");
        z |= uint64_t(b & 0x7F) << shift;
        if (!(b & 0x80)) break;
        shift += 7;
        if (shift > 63) fail_data("Avro varint is too long");
    }
    return int64_t(z >> 1) ^ -int64_t(z & 1);
}

namespace {

void skip(const node& w, const char*& p, const char* end, int depth) {
    if (depth > 200) fail_data("Avro data nested too deeply");
    switch (w.type) {
    case at::type::null_:
        return;
    case at::type::boolean:
        if (p >= end) truncated();
        p++;
        return;
    case at::type::int_:
    case at::type::long_:
    case at::type::enum_:
        read_long(p, end);
        return;
    case at::type::float_:
        read_fixed_le<float>(p, end);
        return;
    case at::type::double_:
        read_fixed_le<double>(p, end);
        return;
    case at::type::bytes:
    case at::type::string:
        read_bytes(p, end);
        return;
    case at::type::fixed:
        if (end - p < w.size) truncated();
        p += w.size;
        return;
    case at::type::record:
        for (auto& f : w.fields)
            skip(*f.schema, p, end, depth + 1);
        return;
    case at::type::union_: {
        int64_t b = read_long(p, end);
        if (b < 0 || b >= int64_t(w.branches.size())) fail_data("Avro union branch index out of range");
        skip(*w.branches[size_t(b)], p, end, depth + 1);
        return;
    }
    case at::type::array:
    case at::type::map:
        while (true) {
            int64_t count = read_long(p, end);
            if (count == 0) return;
            if (count < 0) {
                int64_t size = read_long(p, end);
                if (size < 0 || size > end - p) truncated();
                p += size;
                continue;
            }
            if (count > end - p) truncated();
            for (int64_t i = 0; i < count; i++) {
                if (w.type == at::type::map) read_bytes(p, end);
                skip(*w.items, p, end, depth + 1);
            }
        }
    }
}

// Whether data written as `w` can be read as `r` (type level, for union branch matching).
bool matches(const node& w, const node& r) {
    if (w.type == r.type) {
        if (at::is_named(w.type)) return w.full_name == r.full_name || w.name == r.name;
        return true;
    }
    switch (w.type) {
    case at::type::int_:
        return r.type == at::type::long_ || r.type == at::type::float_ || r.type == at::type::double_;
    case at::type::long_:
        return r.type == at::type::float_ || r.type == at::type::double_;
    case at::type::float_:
        return r.type == at::type::double_;
    case at::type::string:
        return r.type == at::type::bytes;
    case at::type::bytes:
        return r.type == at::type::string;
    default:
        return false;
    }
}

// Decoded map entries with Java's HashMap semantics: a repeated key replaces the earlier value
// (Avro maps and MapEntry arrays may repeat keys). Small maps scan; larger ones keep a hash index
// so hostile input cannot make decoding quadratic.
class map_builder {
public:
    void put(value k, value v) {
        if (_entries.size() < 8) {
            for (auto& e : _entries)
                if (e.first == k) {
                    e.second = std::move(v);
                    return;
                }
            _entries.emplace_back(std::move(k), std::move(v));
            return;
        }
        if (_index.empty())
            for (size_t i = 0; i < _entries.size(); i++)
                _index.emplace(hash(_entries[i].first), i);
        size_t h = hash(k);
        auto range = _index.equal_range(h);
        for (auto it = range.first; it != range.second; ++it)
            if (_entries[it->second].first == k) {
                _entries[it->second].second = std::move(v);
                return;
            }
        _index.emplace(h, _entries.size());
        _entries.emplace_back(std::move(k), std::move(v));
    }
    value::map_type take() { return std::move(_entries); }

private:
    static size_t hash(const value& k) {
        switch (k.type()) {
        case value::kind::string:
            return std::hash<std::string_view>()(k.as_string());
        case value::kind::bytes:
            return std::hash<std::string_view>()(k.as_bytes());
        case value::kind::int8:
        case value::kind::int16:
        case value::kind::int32:
        case value::kind::int64:
            return std::hash<int64_t>()(k.to_int64());
        case value::kind::float32:
            return std::hash<float>()(k.as_float32());
        case value::kind::float64:
            return std::hash<double>()(k.as_float64());
        case value::kind::boolean:
            return k.as_bool() ? 1 : 2;
        default:
            return 0;
        }
    }
    value::map_type _entries;
    std::unordered_multimap<size_t, size_t> _index;
};

value make_int(schema_type t, int64_t v) {
    switch (t) {
    case schema_type::int8:
        return value(int8_t(v));
    case schema_type::int16:
        return value(int16_t(v));
    case schema_type::int32:
        return value(int32_t(v));
    case schema_type::int64:
        return value(int64_t(v));
    case schema_type::float32:
        return value(float(v));
    case schema_type::float64:
        return value(double(v));
    default:
        fail_data(fmt::format("Cannot read an Avro number as Connect {}", type_name(t)));
    }
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Public API

avro::schema_ptr avro_data::from_connect(const schema_ptr& s) {
    if (!s) fail_data("The AvroConverter needs a schema; schemaless data is not supported");
    if (auto it = _from_connect.find(s.get()); it != _from_connect.end()) return it->second.avro;
    size_t h = schema_hash(*s);
    avro::schema_ptr result;
    auto range = _from_connect_structural.equal_range(h);
    for (auto it = range.first; it != range.second; ++it)
        if (*it->second.hold == *s) {
            result = it->second.avro;
            break;
        }
    if (!result) {
        auto built = std::make_shared<at::schema>();
        from_ctx ctx{*built, _cfg};
        built->set_root(ctx.convert(*s, false));
        built->finish();
        result = built;
        if (_from_connect_structural.size() >= _cfg.cache_size) _from_connect_structural.clear();
        _from_connect_structural.emplace(h, from_entry{s, result});
    }
    if (_from_connect.size() >= _cfg.cache_size) _from_connect.clear();
    _from_connect.emplace(s.get(), from_entry{s, result});
    return result;
}

schema_ptr avro_data::to_connect(const avro::schema_ptr& s, std::optional<int32_t> version) {
    to_ctx ctx{_cfg, {}};
    auto out = ctx.convert(s->root(), false, nullptr);
    if (version && !out->version() && s->root().type != at::type::union_) {
        // Java sets the registry version on the top-level schema when connect.version is absent.
        // Rebuilding a schema with one more attribute: copy through the builder.
        schema_builder b(out->type());
        if (out->type() == schema_type::struct_)
            for (auto& f : out->fields())
                b.field(f.name, f.schema);
        else if (out->type() == schema_type::array)
            b = schema_builder::array(out->value_schema());
        else if (out->type() == schema_type::map)
            b = schema_builder::map(out->key_schema(), out->value_schema());
        if (out->name()) b.name(*out->name());
        if (out->doc()) b.doc(*out->doc());
        for (auto& [k, v] : out->parameters())
            b.parameter(k, v);
        if (out->optional()) b.optional();
        if (out->default_value()) b.default_value(*out->default_value());
        b.version(*version);
        out = b.build();
    }
    return out;
}

void avro_data::encode(const node& n, const schema_ptr& s, const value& v, std::string& out) const {
    switch (n.type) {
    case at::type::null_:
        if (!v.is_null()) fail_data("non-null value for an Avro null");
        return;
    case at::type::union_: {
        if (v.is_null()) {
            int nb = n.null_branch();
            if (nb < 0) fail_data("null value for a required field");
            write_long(nb, out);
            return;
        }
        if (s && s->has_name(union_name) && v.type() == value::kind::struct_) {
            auto& sv = *v.as_struct();
            int offset = n.null_branch() == 0 ? 1 : 0;
            for (size_t i = 0; i < sv.values().size(); i++) {
                if (sv.values()[i].is_null()) continue;
                write_long(int64_t(i) + offset, out);
                encode(*n.branches[i + size_t(offset)], s->fields()[i].schema, sv.values()[i], out);
                return;
            }
            fail_data("Union struct without a non-null field");
        }
        int nb = n.null_branch();
        if (n.branches.size() == 2 && nb >= 0) {
            write_long(1 - nb, out);
            encode(*n.branches[size_t(1 - nb)], s, v, out);
            return;
        }
        // A union Ferry did not build: the first branch whose type fits the value.
        for (size_t i = 0; i < n.branches.size(); i++) {
            auto t = n.branches[i]->type;
            auto k = v.type();
            bool ok = (t == at::type::string && k == value::kind::string) ||
                      (t == at::type::bytes && k == value::kind::bytes) ||
                      ((t == at::type::int_) &&
                       (k == value::kind::int8 || k == value::kind::int16 || k == value::kind::int32)) ||
                      (t == at::type::long_ && k == value::kind::int64) ||
                      (t == at::type::float_ && k == value::kind::float32) ||
                      (t == at::type::double_ && k == value::kind::float64) ||
                      (t == at::type::boolean && k == value::kind::boolean) ||
                      (t == at::type::record && k == value::kind::struct_) ||
                      (t == at::type::array && k == value::kind::array) ||
                      (t == at::type::map && k == value::kind::map) ||
                      (t == at::type::enum_ && k == value::kind::string);
            if (ok) {
                write_long(int64_t(i), out);
                encode(*n.branches[i], s, v, out);
                return;
            }
        }
        fail_data(fmt::format("no branch of the Avro union fits a {} value", kind_name(v.type())));
    }
    default:
        break;
    }
    if (v.is_null()) fail_data("null value for a required field");
    switch (n.type) {
    case at::type::boolean:
        out.push_back(v.as_bool() ? 1 : 0);
        return;
    case at::type::int_:
    case at::type::long_:
        if (!v.is_integer()) fail_data(fmt::format("expected an integer, got {}", kind_name(v.type())));
        write_long(v.to_int64(), out);
        return;
    case at::type::float_: {
        float f = v.type() == value::kind::float32 ? v.as_float32() : float(v.to_float64());
        out.append(reinterpret_cast<const char*>(&f), 4);
        return;
    }
    case at::type::double_: {
        double d = v.to_float64();
        out.append(reinterpret_cast<const char*>(&d), 8);
        return;
    }
    case at::type::bytes:
    case at::type::string: {
        const std::string& b = v.type() == value::kind::bytes ? v.as_bytes() : v.as_string();
        write_long(int64_t(b.size()), out);
        out.append(b);
        return;
    }
    case at::type::fixed: {
        const std::string& b = v.as_bytes();
        if (int32_t(b.size()) != n.size)
            fail_data(fmt::format("fixed {} needs {} bytes, got {}", n.full_name, n.size, b.size()));
        out.append(b);
        return;
    }
    case at::type::enum_: {
        const std::string& sym = v.as_string();
        for (size_t i = 0; i < n.symbols.size(); i++)
            if (n.symbols[i] == sym) {
                write_long(int64_t(i), out);
                return;
            }
        fail_data(fmt::format("'{}' is not a symbol of enum {}", sym, n.full_name));
    }
    case at::type::array: {
        if (v.type() == value::kind::map) { // Connect map with non-string keys: array of MapEntry
            auto& m = v.as_map();
            const node& entry = *n.items;
            if (!m.empty()) {
                write_long(int64_t(m.size()), out);
                for (auto& [k, e] : m) {
                    encode(*entry.fields[0].schema, s ? s->key_schema() : nullptr, k, out);
                    encode(*entry.fields[1].schema, s ? s->value_schema() : nullptr, e, out);
                }
            }
            out.push_back(0);
            return;
        }
        auto& a = v.as_array();
        if (!a.empty()) {
            write_long(int64_t(a.size()), out);
            const schema_ptr& es = s ? s->value_schema() : schema_ptr();
            for (size_t i = 0; i < a.size(); i++) {
                try {
                    encode(*n.items, es, a[i], out);
                } catch (const data_error& e) {
                    throw data_error(fmt::format("[{}]: {}", i, e.what()));
                }
            }
        }
        out.push_back(0);
        return;
    }
    case at::type::map: {
        auto& m = v.as_map();
        if (!m.empty()) {
            write_long(int64_t(m.size()), out);
            const schema_ptr& vs = s ? s->value_schema() : schema_ptr();
            for (auto& [k, e] : m) {
                const std::string& key = k.as_string();
                write_long(int64_t(key.size()), out);
                out.append(key);
                encode(*n.items, vs, e, out);
            }
        }
        out.push_back(0);
        return;
    }
    case at::type::record: {
        if (v.type() != value::kind::struct_) fail_data(fmt::format("expected a struct, got {}", kind_name(v.type())));
        auto& sv = *v.as_struct();
        auto& fields = sv.schema()->fields();
        for (size_t i = 0; i < n.fields.size(); i++) {
            const auto& af = n.fields[i];
            const ferry::field* cf =
                i < fields.size() && fields[i].name == af.name ? &fields[i] : sv.schema()->find_field(af.name);
            try {
                if (!cf) {
                    // Writing with another schema (use.latest.version): a field the value lacks gets its default.
                    if (!af.default_value) fail_data("missing in the value and has no default");
                    if (!af.default_value->is_null())
                        fail_data("missing in the value (non-null defaults are not written)");
                    encode(*af.schema, nullptr, value(), out);
                    continue;
                }
                const value& fv = sv.get(*cf);
                if (fv.is_null() && cf->schema->default_value())
                    encode(*af.schema, cf->schema, *cf->schema->default_value(), out);
                else
                    encode(*af.schema, cf->schema, fv, out);
            } catch (const data_error& e) {
                throw data_error(fmt::format("field '{}': {}", af.name, e.what()));
            } catch (const std::bad_variant_access&) {
                throw data_error(fmt::format("field '{}': value does not match its schema", af.name));
            }
        }
        return;
    }
    default:
        fail_data("unexpected Avro type");
    }
}

value avro_data::decode(const node& w, const node& r, const schema_ptr& target, const char*& p, const char* end) const {
    // Writer unions: pick the branch, then resolve it against the reader.
    if (w.type == at::type::union_) {
        int64_t b = read_long(p, end);
        if (b < 0 || b >= int64_t(w.branches.size())) fail_data("Avro union branch index out of range");
        return decode(*w.branches[size_t(b)], r, target, p, end);
    }
    if (r.type == at::type::union_) {
        if (w.type == at::type::null_) return value();
        // Connect's view of the reader union: an optional T, or a Union struct.
        int nb = r.null_branch();
        if (r.branches.size() == 2 && nb >= 0) return decode(w, *r.branches[size_t(1 - nb)], target, p, end);
        if (r.branches.size() == 1) return decode(w, *r.branches[0], target, p, end);
        int field_index = 0;
        for (auto* br : r.branches) {
            if (br->type == at::type::null_) continue;
            if (matches(w, *br)) {
                auto sv = make_struct(target);
                auto& f = target->fields()[size_t(field_index)];
                sv->put_unchecked(f.index, decode(w, *br, f.schema, p, end));
                return value(sv);
            }
            field_index++;
        }
        fail_data(fmt::format("Avro {} data matches no branch of the reader's union", at::type_name(w.type)));
    }
    if (w.type == at::type::null_) {
        if (target && !target->optional() && !target->default_value()) fail_data("null for a required Connect schema");
        return value();
    }
    const schema_type t = target->type();
    switch (w.type) {
    case at::type::boolean: {
        if (p >= end) truncated();
        uint8_t b = uint8_t(*p++);
        if (r.type != at::type::boolean) break;
        return value(b != 0);
    }
    case at::type::int_:
    case at::type::long_: {
        int64_t x = read_long(p, end);
        if (w.type == at::type::int_ && (x < INT32_MIN || x > INT32_MAX)) fail_data("Avro int out of range");
        if (!matches(w, r)) break;
        return make_int(t, x);
    }
    case at::type::float_: {
        float f = read_fixed_le<float>(p, end);
        if (!matches(w, r)) break;
        return t == schema_type::float64 ? value(double(f)) : value(f);
    }
    case at::type::double_: {
        double d = read_fixed_le<double>(p, end);
        if (r.type != at::type::double_) break;
        return value(d);
    }
    case at::type::bytes:
    case at::type::string: {
        std::string_view b = read_bytes(p, end);
        if (!matches(w, r) && !(r.type == at::type::fixed)) break;
        if (t == schema_type::string) return value(std::string(b));
        return value::bytes(std::string(b));
    }
    case at::type::fixed: {
        if (end - p < w.size) truncated();
        std::string b(p, size_t(w.size));
        p += w.size;
        if (r.type != at::type::fixed && r.type != at::type::bytes) break;
        return value::bytes(std::move(b));
    }
    case at::type::enum_: {
        int64_t i = read_long(p, end);
        if (i < 0 || i >= int64_t(w.symbols.size())) fail_data("Avro enum index out of range");
        const std::string& sym = w.symbols[size_t(i)];
        if (r.type == at::type::string) return value(sym);
        if (r.type != at::type::enum_) break;
        for (auto& rs : r.symbols)
            if (rs == sym) return value(sym);
        if (r.enum_default) return value(*r.enum_default);
        fail_data(fmt::format("Enum symbol '{}' is not in the reader's enum {}", sym, r.full_name));
    }
    case at::type::array: {
        if (r.type != at::type::array) break;
        bool as_map = t == schema_type::map;
        value::array_type items;
        map_builder entries;
        while (true) {
            int64_t count = read_long(p, end);
            if (count == 0) break;
            if (count < 0) {
                if (count == INT64_MIN) fail_data("Avro block count out of range");
                count = -count;
                read_long(p, end); // block size
            }
            if (count > end - p) truncated();
            for (int64_t i = 0; i < count; i++) {
                if (as_map) {
                    // MapEntry records: key and value resolved field by field.
                    const node& we = *w.items;
                    const node& re = *r.items;
                    if (we.type != at::type::record || re.type != at::type::record)
                        fail_data("Malformed MapEntry array");
                    value k, v;
                    for (auto& wf : we.fields) {
                        auto* rf = re.find_field(wf.name);
                        if (!rf) {
                            skip(*wf.schema, p, end, 0);
                            continue;
                        }
                        if (wf.name == "key")
                            k = decode(*wf.schema, *rf->schema, target->key_schema(), p, end);
                        else
                            v = decode(*wf.schema, *rf->schema, target->value_schema(), p, end);
                    }
                    entries.put(std::move(k), std::move(v));
                } else {
                    items.push_back(decode(*w.items, *r.items, target->value_schema(), p, end));
                }
            }
        }
        return as_map ? value(entries.take()) : value(std::move(items));
    }
    case at::type::map: {
        if (r.type != at::type::map) break;
        map_builder entries;
        while (true) {
            int64_t count = read_long(p, end);
            if (count == 0) break;
            if (count < 0) {
                if (count == INT64_MIN) fail_data("Avro block count out of range");
                count = -count;
                read_long(p, end);
            }
            if (count > end - p) truncated();
            for (int64_t i = 0; i < count; i++) {
                std::string_view k = read_bytes(p, end);
                value v = decode(*w.items, *r.items, target->value_schema(), p, end);
                entries.put(value(std::string(k)), std::move(v));
            }
        }
        return value(entries.take());
    }
    case at::type::record: {
        if (r.type != at::type::record) break;
        auto sv = make_struct(target);
        auto& cfields = target->fields();
        std::vector<bool>* seen = nullptr;
        bool same = &w == &r;
        if (same) {
            for (size_t i = 0; i < w.fields.size(); i++) {
                try {
                    sv->put_unchecked(int(i),
                                      decode(*w.fields[i].schema, *r.fields[i].schema, cfields[i].schema, p, end));
                } catch (const data_error& e) {
                    throw data_error(fmt::format("field '{}': {}", w.fields[i].name, e.what()));
                }
            }
            return value(sv);
        }
        (void)seen;
        std::vector<char> filled(r.fields.size(), 0);
        for (auto& wf : w.fields) {
            const at::field* rf = r.find_field(wf.name);
            if (!rf)
                for (auto& cand : r.fields)
                    for (auto& alias : cand.aliases)
                        if (alias == wf.name) rf = &cand;
            if (!rf) {
                skip(*wf.schema, p, end, 0);
                continue;
            }
            try {
                sv->put_unchecked(rf->position,
                                  decode(*wf.schema, *rf->schema, cfields[size_t(rf->position)].schema, p, end));
            } catch (const data_error& e) {
                throw data_error(fmt::format("field '{}': {}", wf.name, e.what()));
            }
            filled[size_t(rf->position)] = 1;
        }
        for (size_t i = 0; i < r.fields.size(); i++) {
            if (filled[i]) continue;
            const auto& rf = r.fields[i];
            if (!rf.default_value)
                fail_data(fmt::format("field '{}' is missing in the writer's data and has no default", rf.name));
            auto v = default_to_connect(cfields[i].schema, *rf.default_value);
            if (!v) fail_data(fmt::format("field '{}': its default does not fit its schema", rf.name));
            sv->put_unchecked(int(i), std::move(*v));
        }
        return value(sv);
    }
    default:
        break;
    }
    fail_data(fmt::format("Avro {} data cannot be read as {}", at::type_name(w.type), at::type_name(r.type)));
}

} // namespace ferry::avro_converter
