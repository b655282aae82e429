#include "config/connector_file.hpp"

#include "config/properties.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace ferry::config {

std::string_view initial_state_name(initial_state s) {
    switch (s) {
    case initial_state::running: return "RUNNING";
    case initial_state::paused: return "PAUSED";
    case initial_state::stopped: return "STOPPED";
    }
    return "RUNNING";
}

std::optional<initial_state> parse_initial_state(std::string_view s) {
    std::string up(s);
    for (auto& c : up)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (up == "RUNNING") return initial_state::running;
    if (up == "PAUSED") return initial_state::paused;
    if (up == "STOPPED") return initial_state::stopped;
    return std::nullopt;
}

namespace {

constexpr const char* name_key = "name";

// Jackson's coercion of a JSON scalar into a Java String: nullopt for JSON null, and for objects
// and arrays (which make the whole Map<String, String> reading fail).
enum class scalar_kind { text, null, structured };
scalar_kind coerce(const rapidjson::Value& v, std::string& out) {
    // Numbers arrive as their literal text thanks to kParseNumbersAsStringsFlag.
    if (v.IsString()) {
        out.assign(v.GetString(), v.GetStringLength());
        return scalar_kind::text;
    }
    if (v.IsBool()) {
        out = v.GetBool() ? "true" : "false";
        return scalar_kind::text;
    }
    if (v.IsNull()) return scalar_kind::null;
    return scalar_kind::structured;
}

struct flat_map {
    config_map values;
    std::vector<std::string> null_keys;
};

// Reads an object as Map<String, String>; nullopt when a value is an object or an array.
std::optional<flat_map> as_flat_map(const rapidjson::Value& obj) {
    flat_map out;
    for (auto m = obj.MemberBegin(); m != obj.MemberEnd(); ++m) {
        std::string key(m->name.GetString(), m->name.GetStringLength());
        std::string value;
        switch (coerce(m->value, value)) {
        case scalar_kind::structured: return std::nullopt;
        case scalar_kind::null:
            out.values.erase(key);
            out.null_keys.push_back(std::move(key));
            break;
        case scalar_kind::text:
            std::erase(out.null_keys, key);
            out.values[std::move(key)] = std::move(value);
            break;
        }
    }
    return out;
}

unexpected<error> invalid(std::string msg) { return fail(errc::invalid_argument, "{}", msg); }

result<connector_definition> reject_nulls(connector_definition def, const flat_map& m, std::string_view source) {
    if (!m.null_keys.empty())
        return invalid(fmt::format("Connector configuration at '{}' is invalid for '{}': Null value can not be supplied "
                                   "as the configuration value.",
                                   source, m.null_keys.front()));
    return def;
}

std::string missing_name(std::string_view source) {
    return fmt::format("Connector configuration at '{}' is missing the mandatory 'name' configuration", source);
}

// nullopt: the document is not a CreateConnectorRequest and the next form should be tried.
std::optional<result<connector_definition>> as_request(const rapidjson::Value& obj, std::string_view source) {
    std::optional<std::string> name;
    const rapidjson::Value* config = nullptr;
    std::optional<std::string> state;
    for (auto m = obj.MemberBegin(); m != obj.MemberEnd(); ++m) {
        std::string_view field(m->name.GetString(), m->name.GetStringLength());
        std::string text;
        if (field == "name") {
            auto k = coerce(m->value, text);
            if (k == scalar_kind::structured) return std::nullopt;
            name = k == scalar_kind::text ? std::optional(text) : std::nullopt;
        } else if (field == "config") {
            if (m->value.IsNull()) {
                config = nullptr;
            } else if (m->value.IsObject()) {
                config = &m->value;
            } else {
                return std::nullopt;
            }
        } else if (field == "initial_state") {
            auto k = coerce(m->value, text);
            if (k == scalar_kind::structured) return std::nullopt;
            state = k == scalar_kind::text ? std::optional(text) : std::nullopt;
        }
    }
    std::optional<flat_map> cfg;
    if (config) {
        cfg = as_flat_map(*config);
        if (!cfg) return std::nullopt;
    }
    if (!cfg) {
        return invalid(fmt::format("Connector configuration at '{}' has no 'config' object", source));
    }
    if (!name) return invalid(missing_name(source));
    if (auto it = cfg->values.find(name_key); it != cfg->values.end()) {
        if (it->second != *name)
            return invalid(fmt::format(
                "Connector name configuration in 'config' doesn't match the one specified in 'name' at '{}'", source));
    } else {
        cfg->values.emplace(name_key, *name);
    }
    connector_definition def;
    def.name = *name;
    def.config = cfg->values;
    def.format = connector_file_format::json_request;
    if (state) {
        def.initial = parse_initial_state(*state);
        if (!def.initial)
            return invalid(fmt::format("Connector configuration at '{}' has an invalid initial_state '{}': expected "
                                       "RUNNING, PAUSED or STOPPED",
                                       source, *state));
    }
    return reject_nulls(std::move(def), *cfg, source);
}

std::string json_position(std::string_view text, size_t offset) {
    size_t line = 1, col = 1;
    for (size_t i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            col = 1;
        } else {
            ++col;
        }
    }
    return fmt::format("line {}, column {}", line, col);
}

} // namespace

result<connector_definition> parse_connector_definition(std::string_view text, std::string_view source) {
    std::string_view json = text;
    if (json.starts_with("\xEF\xBB\xBF")) json.remove_prefix(3); // Jackson skips a UTF-8 BOM

    std::optional<std::string> json_problem;
    rapidjson::Document doc;
    constexpr unsigned flags =
        rapidjson::kParseStopWhenDoneFlag | rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseValidateEncodingFlag;
    doc.Parse<flags>(json.data(), json.size());
    if (doc.HasParseError()) {
        json_problem = fmt::format("{} ({})", rapidjson::GetParseError_En(doc.GetParseError()),
                                   json_position(json, doc.GetErrorOffset()));
    } else if (!doc.IsObject()) {
        json_problem = "expected a JSON object";
    } else {
        if (auto flat = as_flat_map(doc)) {
            auto it = flat->values.find(name_key);
            if (it == flat->values.end()) {
                bool null_name = std::find(flat->null_keys.begin(), flat->null_keys.end(), name_key) != flat->null_keys.end();
                if (!null_name) return invalid(missing_name(source));
            }
            connector_definition def;
            def.name = it == flat->values.end() ? std::string() : it->second;
            def.config = flat->values;
            def.format = connector_file_format::json_map;
            return reject_nulls(std::move(def), *flat, source);
        }
        if (auto req = as_request(doc, source)) return std::move(*req);
        json_problem = "neither a flat map of config values nor an object with 'name' and a 'config' map";
    }

    auto props = parse_properties(text, source);
    if (!props) return fail(std::move(props).error());
    if (const std::string* name = props->get(name_key)) {
        connector_definition def;
        def.name = *name;
        def.config = props->to_map();
        def.format = connector_file_format::properties;
        return def;
    }
    size_t first = json.find_first_not_of(" \t\r\n");
    bool looks_like_json = first != std::string_view::npos && (json[first] == '{' || json[first] == '[');
    if (looks_like_json && json_problem)
        return invalid(fmt::format("Connector configuration at '{}' is not a valid connector definition: {}", source,
                                   *json_problem));
    return invalid(missing_name(source));
}

result<connector_definition> load_connector_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(errc::io, "cannot read connector configuration '{}': {}", path, std::strerror(errno));
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) return fail(errc::io, "cannot read connector configuration '{}': {}", path, std::strerror(errno));
    return parse_connector_definition(ss.str(), path);
}

} // namespace ferry::config
