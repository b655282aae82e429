#include "plugins/transforms/replace_field/replace_field.hpp"

#include "ferry/connect/errors.hpp"

#include <fmt/format.h>

namespace ferry::transforms {

using namespace config;

namespace {

constexpr std::string_view purpose = "field replacement";

// ReplaceField.parseRenameMappings: exactly one ':' per mapping.
std::unordered_map<std::string, std::string> parse_renames(const std::vector<std::string>& mappings) {
    std::unordered_map<std::string, std::string> m;
    for (const auto& mapping : mappings) {
        auto parts = java_split(mapping, ':');
        if (parts.size() != 2)
            throw config_error(invalid_value("renames", mappings, "Invalid rename mapping: " + mapping));
        m[parts[0]] = parts[1];
    }
    return m;
}

} // namespace

const config_def& replace_field::definition() {
    static const config_def d =
        config_def()
            .define({.name = "exclude",
                     .type = config_type::list,
                     .def = "",
                     .imp = importance::medium,
                     .doc = "Fields to exclude. This takes precedence over the fields to include."})
            .define({.name = "include",
                     .type = config_type::list,
                     .def = "",
                     .imp = importance::medium,
                     .doc = "Fields to include. If specified, only these fields will be used."})
            .define({.name = "renames",
                     .type = config_type::list,
                     .def = "",
                     .valid = [](const std::string&, const config_value& v) -> std::optional<std::string> {
                         try {
                             parse_renames(std::get<std::vector<std::string>>(v));
                         } catch (const config_error& e) {
                             return std::string(e.what());
                         }
                         return std::nullopt;
                     },
                     .imp = importance::medium,
                     .doc = "Field rename mappings."})
            .define(key_replace_null_with_default())
            // Deprecated names (Kafka < 4.0), translated to include/exclude in configure().
            .define({.name = "blacklist",
                     .type = config_type::list,
                     .def = null_default,
                     .imp = importance::low,
                     .doc = "Deprecated. Use exclude instead."})
            .define({.name = "whitelist",
                     .type = config_type::list,
                     .def = null_default,
                     .imp = importance::low,
                     .doc = "Deprecated. Use include instead."});
    return d;
}

void replace_field::configure(const config_map& props) {
    // ConfigUtils.translateDeprecatedConfigs: the new key wins; an old one stands in for it.
    config_map translated = props;
    for (auto [target, alias] :
         {std::pair<const char*, const char*>{"include", "whitelist"}, {"exclude", "blacklist"}}) {
        auto old = translated.find(alias);
        if (old == translated.end()) continue;
        if (!translated.contains(target)) translated[target] = old->second;
        translated.erase(old);
    }
    auto cfg = definition().parse(translated);
    auto ex = cfg.get_list("exclude");
    auto in = cfg.get_list("include");
    _exclude = {ex.begin(), ex.end()};
    _include = {in.begin(), in.end()};
    _renames = parse_renames(cfg.get_list("renames"));
    _replace_null_with_default = cfg.get_bool("replace.null.with.default");
    _cache.clear();
}

bool replace_field::keep(const std::string& name) const {
    return !_exclude.contains(name) && (_include.empty() || _include.contains(name));
}

const std::string& replace_field::renamed(const std::string& name) const {
    auto it = _renames.find(name);
    return it == _renames.end() ? name : it->second;
}

bool replace_field::apply(connect_record& record) {
    value& v = operating_value(record, _side);
    if (v.is_null()) return true;
    schema_ptr& s = operating_schema(record, _side);
    if (!s) {
        auto& m = require_map(v, purpose);
        value::map_type out;
        out.reserve(m.size());
        for (auto& [k, e] : m) {
            // Map keys are Strings in Java; a key of another kind cannot match a name.
            if (k.type() != value::kind::string) {
                if (_include.empty()) out.emplace_back(std::move(k), std::move(e));
                continue;
            }
            if (!keep(k.as_string())) continue;
            // HashMap.put: a renamed key that collides replaces the earlier entry.
            std::string name = renamed(k.as_string());
            bool replaced = false;
            for (auto& [ok, oe] : out)
                if (ok.type() == value::kind::string && ok.as_string() == name) {
                    oe = std::move(e);
                    replaced = true;
                }
            if (!replaced) out.emplace_back(value(std::move(name)), std::move(e));
        }
        v = value(std::move(out));
        return true;
    }
    const struct_ptr& in = require_struct(v, purpose);
    const schema_ptr& in_schema = in->schema();
    const plan& p = _cache.get_or_build(in_schema, [&] {
        plan np;
        schema_builder b = schema_builder::struct_();
        copy_schema_basics(*in_schema, b);
        for (const auto& f : in_schema->fields())
            if (keep(f.name)) b.field(renamed(f.name), f.schema);
        np.updated = b.build();
        // Java reads each new field back through the reverse rename map (last mapping wins when
        // two old names map to one new name).
        std::unordered_map<std::string, std::string> reverse;
        for (const auto& [from, to] : _renames)
            reverse[to] = from;
        for (const auto& f : np.updated->fields()) {
            auto it = reverse.find(f.name);
            const std::string& source = it == reverse.end() ? f.name : it->second;
            const field* sf = in_schema->find_field(source);
            if (!sf) throw data_error(fmt::format("{} is not a valid field name", source));
            if (!np.source_index.empty() && sf->index <= np.source_index.back()) np.in_order = false;
            np.source_index.push_back(sf->index);
        }
        return np;
    });
    const auto& in_fields = in_schema->fields();
    const auto& out_fields = p.updated->fields();
    if (p.in_order && uniquely_owned(in)) {
        // The record owns the struct: slide the kept values down over the dropped ones (a kept
        // value never moves right, so none is overwritten before it is read), then drop the tail.
        for (size_t i = 0; i < out_fields.size(); ++i)
            check_copied(out_fields[i], field_value(*in, in_fields[static_cast<size_t>(p.source_index[i])],
                                                    _replace_null_with_default));
        auto& vals = in->mutable_values();
        for (size_t i = 0; i < out_fields.size(); ++i) {
            auto from = static_cast<size_t>(p.source_index[i]);
            if (from != i) vals[i] = std::move(vals[from]);
            apply_default(vals[i], in_fields[from], _replace_null_with_default);
        }
        in->reshape_unchecked(p.updated); // invalidates in_schema/in_fields
        s = p.updated;
        return true;
    }
    auto out = make_struct(p.updated);
    for (size_t i = 0; i < out_fields.size(); ++i)
        put_copied(
            *out, out_fields[i],
            take_field(in, false, in_fields[static_cast<size_t>(p.source_index[i])], _replace_null_with_default));
    v = value(std::move(out));
    s = p.updated;
    return true;
}

} // namespace ferry::transforms
