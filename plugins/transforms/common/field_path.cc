#include "plugins/transforms/common/field_path.hpp"

#include "plugins/transforms/common/transform_util.hpp"

#include <fmt/format.h>

namespace ferry::transforms {

using namespace config;

config_key field_syntax_version_key() {
    return {.name = "field.syntax.version",
            .type = config_type::string,
            .def = "V1",
            .valid = validators::one_of({"V1", "V2"}, false),
            .imp = importance::high,
            .doc = "Defines the version of the syntax to access fields. If set to `V1`, then the field paths are "
                   "limited to access the elements at the root level of the struct or map. If set to `V2`, the "
                   "syntax will support accessing nested elements. To access nested elements, dotted notation is "
                   "used. If dots are already included in the field name, then backtick pairs can be used to wrap "
                   "field names containing dots. E.g. to access the subfield `baz` from a field named \"foo.bar\" "
                   "in a struct/map the following format can be used to access its elements: \"`foo.bar`.baz\"."};
}

field_syntax_version field_syntax_version_from(const config_values& cfg) {
    std::string v = cfg.get_string("field.syntax.version");
    for (auto& c : v)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (v == "V1") return field_syntax_version::v1;
    if (v == "V2") return field_syntax_version::v2;
    throw config_error(fmt::format("Invalid value {} for configuration field.syntax.version: Unrecognized field syntax "
                                   "version",
                                   cfg.get_string("field.syntax.version")));
}

namespace {

[[noreturn]] void incomplete_backtick(std::string_view path, size_t at) {
    throw config_error(fmt::format("Incomplete backtick pair in path: [{}], consider adding a backslash before "
                                   "backtick at position {} to escape it",
                                   path, at));
}

std::vector<std::string> parse_v2(std::string_view path) {
    std::vector<std::string> steps;
    size_t idx = 0;
    while (idx < path.size()) {
        if (path[idx] != '`') {
            size_t start = idx;
            size_t dot = path.find('.', idx);
            if (dot != std::string_view::npos) {
                steps.emplace_back(path.substr(start, dot - start));
                idx = dot + 1;
            } else {
                steps.emplace_back(path.substr(start));
                idx = path.size();
            }
            continue;
        }
        size_t backtick_at = idx;
        ++idx;
        std::string field;
        size_t start = idx;
        while (true) {
            idx = path.find('`', idx);
            if (idx == std::string_view::npos) incomplete_backtick(path, backtick_at);
            bool escaped = path[idx - 1] == '\\';
            if (idx >= path.size() - 1) { // the closing backtick ends the path
                if (escaped) incomplete_backtick(path, backtick_at);
                field.append(path.substr(start, idx - start));
                steps.push_back(field);
                ++idx;
                break;
            }
            if (path[idx + 1] != '.') { // part of the name; keep looking for "`."
                ++idx;
                continue;
            }
            if (escaped) {
                field.append(path.substr(start, idx - 1 - start));
                field.push_back('`');
                ++idx;
                start = idx;
                continue;
            }
            field.append(path.substr(start, idx - start));
            steps.push_back(field);
            idx += 2;
            break;
        }
    }
    if (!path.empty() && path.back() == '.') steps.emplace_back();
    return steps;
}

} // namespace

single_field_path::single_field_path(std::string_view path, field_syntax_version version) {
    if (version == field_syntax_version::v1)
        _steps.emplace_back(path);
    else
        _steps = parse_v2(path);
}

const field* single_field_path::field_from(const schema_ptr& s) const {
    if (!s || _steps.empty()) return nullptr;
    const schema* current = s.get();
    for (size_t i = 0; i + 1 < _steps.size(); ++i) {
        if (current->type() != schema_type::struct_) throw data_error("Cannot look up fields on non-struct type");
        const field* f = current->find_field(_steps[i]);
        if (!f) return nullptr;
        current = f->schema.get();
    }
    if (current->type() != schema_type::struct_) throw data_error("Cannot look up fields on non-struct type");
    return current->find_field(_steps.back());
}

const value* single_field_path::value_from(const struct_value& s, bool with_default) const {
    const struct_value* current = &s;
    for (size_t i = 0; i + 1 < _steps.size(); ++i) {
        const field* f = current->schema()->find_field(_steps[i]);
        if (!f) return nullptr;
        const value& sub = field_value(*current, *f, true);
        if (sub.is_null()) return nullptr;
        current = require_struct(sub, "nested field access").get();
    }
    const field* f = current->schema()->find_field(_steps.back());
    if (!f) return nullptr;
    return &field_value(*current, *f, with_default);
}

const value* single_field_path::value_from(const value::map_type& m) const {
    const value::map_type* current = &m;
    auto lookup = [](const value::map_type& mm, const std::string& k) -> const value* {
        for (const auto& [key, v] : mm)
            if (key.type() == value::kind::string && key.as_string() == k) return &v;
        return nullptr;
    };
    for (size_t i = 0; i + 1 < _steps.size(); ++i) {
        const value* sub = lookup(*current, _steps[i]);
        if (!sub || sub->is_null()) return nullptr;
        current = &require_map(*sub, "nested field access");
    }
    return lookup(*current, _steps.back());
}

} // namespace ferry::transforms
