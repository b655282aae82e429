#include "schema_registry/server/registry.hpp"

#include "schema_registry/avro/json.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace ferry::schema_registry {

namespace {

using records = std::vector<std::pair<std::string, std::optional<std::string>>>;

registry_status err(int code, std::string msg) {
    return registry_status{code, std::move(msg)};
}

std::string upper(std::string s) {
    for (auto& c : s)
        c = char(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

std::string q(std::string_view s) {
    std::string out;
    avro::write_json_string(s, out);
    return out;
}

std::string subject_key(const char* keytype, const std::string& subject) {
    if (subject.empty()) return fmt::format("{{\"keytype\":\"{}\",\"magic\":0}}", keytype);
    return fmt::format("{{\"keytype\":\"{}\",\"subject\":{},\"magic\":0}}", keytype, q(subject));
}

std::string id_key(const std::string& type, const std::string& canonical, const std::string& refs) {
    std::string k = type;
    k.push_back('\0');
    k += canonical;
    k.push_back('\0');
    k += refs;
    return k;
}

const std::vector<std::string>& valid_modes() {
    static const std::vector<std::string> m{"READWRITE", "READONLY", "READONLY_OVERRIDE", "IMPORT", "FORWARD"};
    return m;
}

registry_status subject_not_found(const std::string& s) {
    return err(40401, fmt::format("Subject '{}' not found.", s));
}

} // namespace

registry::registry(registry_options opts) : _opts(std::move(opts)) {
    _opts.default_compatibility = upper(_opts.default_compatibility);
    _opts.default_mode = upper(_opts.default_mode);
}

std::string registry::schema_key(const std::string& subject, int32_t version) {
    return fmt::format("{{\"keytype\":\"SCHEMA\",\"subject\":{},\"version\":{},\"magic\":1}}", q(subject), version);
}

std::string registry::schema_value(const schema_version& v) {
    std::string out = fmt::format("{{\"subject\":{},\"version\":{},\"id\":{},\"schemaType\":{},\"schema\":{}",
                                  q(v.subject), v.version, v.id, q(v.schema_type), q(v.schema));
    if (!v.references_json.empty() && v.references_json != "[]") out += ",\"references\":" + v.references_json;
    out += v.deleted ? ",\"deleted\":true}" : ",\"deleted\":false}";
    return out;
}

// ------------------------------------------------------------------------------------------
// Applying store records

void registry::apply(std::string_view key, std::optional<std::string_view> value) {
    auto k = avro::parse_json(key);
    if (!k || !k->is_object()) return; // not ours
    auto* kt = k->get("keytype");
    if (!kt || !kt->is_string()) return;
    const std::string& type = kt->as_string();
    std::string subject;
    if (auto* s = k->get("subject"); s && s->is_string()) subject = s->as_string();
    std::optional<avro::json> v;
    if (value) {
        auto pv = avro::parse_json(*value);
        if (!pv || !pv->is_object()) return;
        v = std::move(*pv);
    }
    std::unique_lock lock(_mu);
    if (type == "SCHEMA") {
        auto* ver = k->get("version");
        if (!ver || !ver->is_integer()) return;
        int32_t version = int32_t(ver->as_int());
        if (!v) {
            auto it = _subjects.find(subject);
            if (it != _subjects.end()) {
                it->second.versions.erase(version);
                if (it->second.versions.empty()) _subjects.erase(it);
            }
            return;
        }
        auto* id = v->get("id");
        auto* schema = v->get("schema");
        if (!id || !id->is_integer() || !schema || !schema->is_string()) return;
        version_entry e;
        e.id = int32_t(id->as_int());
        e.schema_type = "AVRO";
        if (auto* t = v->get("schemaType"); t && t->is_string()) e.schema_type = t->as_string();
        if (auto* r = v->get("references"); r && r->is_array() && !r->as_array().empty())
            e.references_json = avro::to_json(*r);
        if (auto* d = v->get("deleted"); d && d->is_bool()) e.deleted = d->as_bool();
        if (!_ids.count(e.id)) {
            id_entry ie{schema->as_string(), e.schema_type, e.references_json, nullptr};
            if (e.schema_type == "AVRO") {
                if (auto p = avro::schema::parse(ie.schema); p) ie.parsed = *p;
            }
            _id_by_schema[id_key(e.schema_type, ie.schema, e.references_json)] = e.id;
            _ids.emplace(e.id, std::move(ie));
        }
        _max_id = std::max(_max_id, e.id);
        _subjects[subject].versions[version] = std::move(e);
    } else if (type == "CONFIG") {
        if (!v)
            _configs.erase(subject);
        else if (auto* l = v->get("compatibilityLevel"); l && l->is_string())
            _configs[subject] = upper(l->as_string());
    } else if (type == "MODE") {
        if (!v)
            _modes.erase(subject);
        else if (auto* m = v->get("mode"); m && m->is_string())
            _modes[subject] = upper(m->as_string());
    } else if (type == "DELETE_SUBJECT") {
        if (!v) return;
        auto* ver = v->get("version");
        auto it = _subjects.find(subject);
        if (!ver || !ver->is_integer() || it == _subjects.end()) return;
        for (auto& [n, e] : it->second.versions)
            if (n <= ver->as_int()) e.deleted = true;
    } else if (type == "CLEAR_SUBJECT") {
        auto it = _subjects.find(subject);
        if (it == _subjects.end()) return;
        std::erase_if(it->second.versions, [](auto& p) { return p.second.deleted; });
        if (it->second.versions.empty()) _subjects.erase(it);
    }
    // NOOP, CONTEXT, ASSOC and anything newer: nothing to do.
}

std::optional<std::string> registry::append(const records& recs) {
    if (_append) return _append(recs);
    for (auto& [k, v] : recs)
        apply(k, v ? std::optional<std::string_view>(*v) : std::nullopt);
    return std::nullopt;
}

// ------------------------------------------------------------------------------------------
// Helpers (state lock held by the caller)

const registry::subject_state* registry::find_subject(const std::string& s) const {
    auto it = _subjects.find(s);
    return it == _subjects.end() ? nullptr : &it->second;
}

bool registry::subject_live(const subject_state& s) const {
    for (auto& [n, e] : s.versions)
        if (!e.deleted) return true;
    return false;
}

std::string registry::effective_level(const std::string& subject) const {
    if (auto it = _configs.find(subject); it != _configs.end()) return it->second;
    if (auto it = _configs.find(""); it != _configs.end()) return it->second;
    return _opts.default_compatibility;
}

std::string registry::effective_mode(const std::string& subject) const {
    if (auto it = _modes.find(subject); it != _modes.end()) return it->second;
    if (auto it = _modes.find(""); it != _modes.end()) return it->second;
    return _opts.default_mode;
}

reg_result<avro::schema_ptr> registry::parse(const std::string& schema, const std::string& schema_type) const {
    if (schema_type != "AVRO")
        return unexpected(err(
            42201, fmt::format("Invalid schema type {}: Ferry's registry supports AVRO schemas only", schema_type)));
    auto p = avro::schema::parse(schema, {.validate = true});
    if (!p) return unexpected(err(42201, fmt::format("Invalid schema {}, details: {}", schema, p.error().message)));
    return *p;
}

std::vector<std::string> registry::check(const std::string& level_name, const std::string& subject,
                                         const avro::node& candidate) const {
    auto level = avro::parse_level(level_name).value_or(avro::compatibility_level::backward);
    std::vector<avro::previous_version> prev;
    if (auto* s = find_subject(subject)) {
        for (auto& [n, e] : s->versions) {
            if (e.deleted) continue;
            auto it = _ids.find(e.id);
            if (it == _ids.end() || !it->second.parsed) continue;
            prev.push_back({n, &it->second.parsed->root()});
        }
    }
    return avro::check_compatibility(level, candidate, prev);
}

// ------------------------------------------------------------------------------------------
// Reads

reg_result<std::vector<std::string>> registry::subjects(const std::string& prefix, bool deleted,
                                                        bool deleted_only) const {
    std::shared_lock lock(_mu);
    std::vector<std::string> out;
    for (auto& [name, s] : _subjects) {
        if (!prefix.empty() && name.compare(0, prefix.size(), prefix) != 0) continue;
        bool live = subject_live(s);
        if (deleted_only ? !live : (live || deleted)) out.push_back(name);
    }
    return out;
}

reg_result<std::vector<int32_t>> registry::versions(const std::string& subject, bool deleted, bool deleted_only) const {
    std::shared_lock lock(_mu);
    auto* s = find_subject(subject);
    if (!s || (!deleted && !deleted_only && !subject_live(*s))) return unexpected(subject_not_found(subject));
    std::vector<int32_t> out;
    for (auto& [n, e] : s->versions)
        if (deleted_only ? e.deleted : (!e.deleted || deleted)) out.push_back(n);
    return out;
}

reg_result<schema_version> registry::get_version(const std::string& subject, int32_t version, bool deleted) const {
    std::shared_lock lock(_mu);
    auto* s = find_subject(subject);
    if (!s || (!deleted && !subject_live(*s))) return unexpected(subject_not_found(subject));
    const version_entry* e = nullptr;
    int32_t n = version;
    if (version == -1) {
        for (auto it = s->versions.rbegin(); it != s->versions.rend(); ++it)
            if (!it->second.deleted || deleted) {
                e = &it->second;
                n = it->first;
                break;
            }
    } else if (auto it = s->versions.find(version); it != s->versions.end() && (!it->second.deleted || deleted)) {
        e = &it->second;
    }
    if (!e)
        return unexpected(
            err(40402, fmt::format("Version {} not found.", version == -1 ? "latest" : std::to_string(version))));
    auto& ie = _ids.at(e->id);
    return schema_version{subject, n, e->id, e->schema_type, ie.schema, e->references_json, e->deleted};
}

reg_result<schema_version> registry::schema_by_id(int32_t id) const {
    std::shared_lock lock(_mu);
    auto it = _ids.find(id);
    if (it == _ids.end()) return unexpected(err(40403, fmt::format("Schema {} not found", id)));
    return schema_version{{}, 0, id, it->second.schema_type, it->second.schema, it->second.references_json, false};
}

reg_result<std::vector<subject_version>> registry::id_versions(int32_t id, bool deleted) const {
    std::shared_lock lock(_mu);
    if (!_ids.count(id)) return unexpected(err(40403, fmt::format("Schema {} not found", id)));
    std::vector<subject_version> out;
    for (auto& [name, s] : _subjects)
        for (auto& [n, e] : s.versions)
            if (e.id == id && (!e.deleted || deleted)) out.push_back({name, n});
    return out;
}

reg_result<std::vector<std::string>> registry::id_subjects(int32_t id, bool deleted) const {
    auto v = id_versions(id, deleted);
    if (!v) return unexpected(v.error());
    std::vector<std::string> out;
    for (auto& sv : *v)
        if (out.empty() || out.back() != sv.subject) out.push_back(sv.subject);
    return out;
}

reg_result<schema_version> registry::lookup(const std::string& subject, const std::string& schema,
                                            const std::string& schema_type, bool deleted) const {
    auto parsed = parse(schema, schema_type);
    if (!parsed) return unexpected(parsed.error());
    std::shared_lock lock(_mu);
    auto* s = find_subject(subject);
    if (!s || (!deleted && !subject_live(*s))) return unexpected(subject_not_found(subject));
    const std::string& canonical = (*parsed)->canonical();
    for (auto it = s->versions.rbegin(); it != s->versions.rend(); ++it) {
        if (it->second.deleted && !deleted) continue;
        auto& ie = _ids.at(it->second.id);
        if (ie.schema == canonical && ie.schema_type == schema_type)
            return schema_version{subject,           it->first, it->second.id,
                                  schema_type,       ie.schema, it->second.references_json,
                                  it->second.deleted};
    }
    return unexpected(err(40403, "Schema not found"));
}

// ------------------------------------------------------------------------------------------
// Writes

reg_result<schema_version> registry::register_schema(const std::string& subject, const std::string& schema,
                                                     const std::string& schema_type, const std::string& references_json,
                                                     std::optional<int32_t> import_id,
                                                     std::optional<int32_t> import_version) {
    if (subject.empty() || subject.find('\0') != std::string::npos)
        return unexpected(err(42208, fmt::format("The specified subject '{}' is not a valid.", subject)));
    auto parsed = parse(schema, schema_type);
    if (!parsed) return unexpected(parsed.error());
    const std::string& canonical = (*parsed)->canonical();
    std::string refs = references_json == "[]" ? "" : references_json;
    std::lock_guard write(_write_mu);
    schema_version out{subject, 0, 0, schema_type, canonical, refs, false};
    {
        std::shared_lock lock(_mu);
        std::string mode = effective_mode(subject);
        if (mode == "READONLY" || mode == "READONLY_OVERRIDE")
            return unexpected(err(42205, fmt::format("Subject {} is in read-only mode", subject)));
        // Confluent's checkRegisterMode: an explicit id needs IMPORT, and IMPORT needs one.
        if (import_id && mode != "IMPORT")
            return unexpected(err(42205, fmt::format("Subject {} is not in import mode", subject)));
        if (!import_id && mode == "IMPORT")
            return unexpected(err(42205, fmt::format("Subject {} is not in read-write mode", subject)));
        auto* s = find_subject(subject);
        auto key = id_key(schema_type, canonical, refs);
        auto known = _id_by_schema.find(key);
        // Already registered (live) under this subject: idempotent.
        if (s && !import_id) {
            for (auto it = s->versions.rbegin(); it != s->versions.rend(); ++it) {
                if (it->second.deleted || known == _id_by_schema.end() || it->second.id != known->second) continue;
                out.version = it->first;
                out.id = it->second.id;
                return out;
            }
        }
        if (mode != "IMPORT") {
            auto msgs = check(effective_level(subject), subject, (*parsed)->root());
            if (!msgs.empty()) {
                std::string details = "[";
                for (size_t i = 0; i < msgs.size(); i++) {
                    if (i) details += ", ";
                    details += msgs[i];
                }
                details += "]";
                return unexpected(
                    err(409, fmt::format("Schema being registered is incompatible with an earlier schema for "
                                         "subject \"{}\", details: {}",
                                         subject, details)));
            }
        }
        if (import_id) {
            auto existing = _ids.find(*import_id);
            if (existing != _ids.end() && existing->second.schema != canonical)
                return unexpected(
                    err(42207, fmt::format("Overwrite new schema with id {} is not permitted.", *import_id)));
            out.id = *import_id;
        } else {
            out.id = known != _id_by_schema.end() ? known->second : _max_id + 1;
        }
        int32_t max_version = s && !s->versions.empty() ? s->versions.rbegin()->first : 0;
        out.version = import_version ? *import_version : max_version + 1;
    }
    if (auto e = append({{schema_key(subject, out.version), schema_value(out)}}))
        return unexpected(err(50001, "Error while registering the schema: " + *e));
    return out;
}

reg_result<std::vector<int32_t>> registry::delete_subject(const std::string& subject, bool permanent) {
    std::lock_guard write(_write_mu);
    records recs;
    std::vector<int32_t> deleted;
    {
        std::shared_lock lock(_mu);
        if (effective_mode(subject) == "READONLY")
            return unexpected(err(42205, fmt::format("Subject {} is in read-only mode", subject)));
        auto* s = find_subject(subject);
        if (!s) return unexpected(subject_not_found(subject));
        bool live = subject_live(*s);
        if (permanent) {
            if (live)
                return unexpected(err(40405, fmt::format("Subject '{}' was not deleted first before being permanently "
                                                         "deleted",
                                                         subject)));
            for (auto& [n, e] : s->versions) {
                recs.emplace_back(schema_key(subject, n), std::nullopt);
                deleted.push_back(n);
            }
        } else {
            if (!live)
                return unexpected(err(40404, fmt::format("Subject '{}' was soft deleted.Set permanent=true to delete "
                                                         "permanently",
                                                         subject)));
            int32_t max = 0;
            for (auto& [n, e] : s->versions) {
                if (e.deleted) continue;
                auto& ie = _ids.at(e.id);
                recs.emplace_back(schema_key(subject, n),
                                  schema_value({subject, n, e.id, e.schema_type, ie.schema, e.references_json, true}));
                deleted.push_back(n);
                max = n;
            }
            recs.emplace_back(subject_key("DELETE_SUBJECT", subject),
                              fmt::format("{{\"subject\":{},\"version\":{}}}", q(subject), max));
        }
        if (_configs.count(subject)) recs.emplace_back(subject_key("CONFIG", subject), std::nullopt);
        if (permanent && _modes.count(subject)) recs.emplace_back(subject_key("MODE", subject), std::nullopt);
    }
    if (auto e = append(recs)) return unexpected(err(50001, "Error while deleting the subject: " + *e));
    return deleted;
}

reg_result<int32_t> registry::delete_version(const std::string& subject, int32_t version, bool permanent) {
    std::lock_guard write(_write_mu);
    records recs;
    int32_t n = version;
    {
        std::shared_lock lock(_mu);
        if (effective_mode(subject) == "READONLY")
            return unexpected(err(42205, fmt::format("Subject {} is in read-only mode", subject)));
        auto* s = find_subject(subject);
        if (!s) return unexpected(subject_not_found(subject));
        const version_entry* e = nullptr;
        if (version == -1) {
            for (auto it = s->versions.rbegin(); it != s->versions.rend(); ++it)
                if (permanent || !it->second.deleted) {
                    e = &it->second;
                    n = it->first;
                    break;
                }
        } else if (auto it = s->versions.find(version); it != s->versions.end()) {
            e = &it->second;
        }
        if (!e)
            return unexpected(
                err(40402, fmt::format("Version {} not found.", version == -1 ? "latest" : std::to_string(version))));
        if (permanent) {
            if (!e->deleted)
                return unexpected(err(40407, fmt::format("Subject '{}' Version {} was not deleted first before being "
                                                         "permanently deleted",
                                                         subject, n)));
            recs.emplace_back(schema_key(subject, n), std::nullopt);
        } else {
            if (e->deleted)
                return unexpected(
                    err(40406, fmt::format("Subject '{}' Version {} was soft deleted.Set permanent=true to "
                                           "delete permanently",
                                           subject, n)));
            auto& ie = _ids.at(e->id);
            recs.emplace_back(schema_key(subject, n),
                              schema_value({subject, n, e->id, e->schema_type, ie.schema, e->references_json, true}));
        }
    }
    if (auto e = append(recs)) return unexpected(err(50001, "Error while deleting the version: " + *e));
    return n;
}

reg_result<std::vector<std::string>> registry::test_compatibility(const std::string& subject,
                                                                  std::optional<int32_t> version,
                                                                  const std::string& schema,
                                                                  const std::string& schema_type) const {
    auto parsed = parse(schema, schema_type);
    if (!parsed) return unexpected(parsed.error());
    std::shared_lock lock(_mu);
    std::string level_name = effective_level(subject);
    if (!version) return check(level_name, subject, (*parsed)->root());
    auto* s = find_subject(subject);
    if (!s || !subject_live(*s)) return unexpected(subject_not_found(subject));
    const version_entry* e = nullptr;
    int32_t n = *version;
    if (*version == -1) {
        for (auto it = s->versions.rbegin(); it != s->versions.rend(); ++it)
            if (!it->second.deleted) {
                e = &it->second;
                n = it->first;
                break;
            }
    } else if (auto it = s->versions.find(*version); it != s->versions.end() && !it->second.deleted) {
        e = &it->second;
    }
    if (!e)
        return unexpected(
            err(40402, fmt::format("Version {} not found.", *version == -1 ? "latest" : std::to_string(*version))));
    auto& ie = _ids.at(e->id);
    if (!ie.parsed) return std::vector<std::string>{};
    auto level = avro::parse_level(level_name).value_or(avro::compatibility_level::backward);
    // Against one given version the transitive levels mean the same as the plain ones.
    return avro::check_compatibility(level, (*parsed)->root(), {{n, &ie.parsed->root()}});
}

reg_result<std::string> registry::get_config(const std::string& subject, bool default_to_global) const {
    std::shared_lock lock(_mu);
    if (auto it = _configs.find(subject); it != _configs.end()) return it->second;
    if (subject.empty() || default_to_global) {
        if (auto it = _configs.find(""); it != _configs.end()) return it->second;
        return _opts.default_compatibility;
    }
    return unexpected(
        err(40408, fmt::format("Subject '{}' does not have subject-level compatibility configured", subject)));
}

reg_result<std::string> registry::set_config(const std::string& subject, const std::string& level) {
    auto l = avro::parse_level(level);
    if (!l)
        return unexpected(err(42203, "Invalid compatibility level. Valid values are none, backward, forward, full, "
                                     "backward_transitive, forward_transitive, and full_transitive"));
    std::string name(avro::level_name(*l));
    std::lock_guard write(_write_mu);
    if (auto e = append({{subject_key("CONFIG", subject), fmt::format("{{\"compatibilityLevel\":\"{}\"}}", name)}}))
        return unexpected(err(50001, "Failed to update compatibility level: " + *e));
    return name;
}

reg_result<std::string> registry::delete_config(const std::string& subject) {
    std::lock_guard write(_write_mu);
    std::string previous;
    {
        std::shared_lock lock(_mu);
        auto it = _configs.find(subject);
        if (it == _configs.end()) {
            if (!subject.empty()) {
                if (!find_subject(subject)) return unexpected(subject_not_found(subject));
                return unexpected(err(40408, fmt::format("Subject '{}' does not have subject-level compatibility "
                                                         "configured",
                                                         subject)));
            }
            return _opts.default_compatibility;
        }
        previous = it->second;
    }
    if (auto e = append({{subject_key("CONFIG", subject), std::nullopt}}))
        return unexpected(err(50001, "Failed to delete compatibility level: " + *e));
    return previous;
}

reg_result<std::string> registry::get_mode(const std::string& subject, bool default_to_global) const {
    std::shared_lock lock(_mu);
    if (auto it = _modes.find(subject); it != _modes.end()) return it->second;
    if (subject.empty() || default_to_global) {
        if (auto it = _modes.find(""); it != _modes.end()) return it->second;
        return _opts.default_mode;
    }
    return unexpected(err(40409, fmt::format("Subject '{}' does not have subject-level mode configured", subject)));
}

reg_result<std::string> registry::set_mode(const std::string& subject, const std::string& mode, bool force) {
    std::string m = upper(mode);
    if (std::find(valid_modes().begin(), valid_modes().end(), m) == valid_modes().end())
        return unexpected(
            err(42204, "Invalid mode. Valid values are READWRITE, READONLY, READONLY_OVERRIDE, and IMPORT."));
    std::lock_guard write(_write_mu);
    if (m == "IMPORT" && !force) {
        std::shared_lock lock(_mu);
        bool empty = subject.empty() ? _subjects.empty() : !find_subject(subject);
        if (!empty) return unexpected(err(42205, "Cannot import since found existing subjects"));
    }
    if (auto e = append({{subject_key("MODE", subject), fmt::format("{{\"mode\":\"{}\"}}", m)}}))
        return unexpected(err(50001, "Failed to update mode: " + *e));
    return m;
}

reg_result<std::string> registry::delete_mode(const std::string& subject) {
    std::lock_guard write(_write_mu);
    std::string previous;
    {
        std::shared_lock lock(_mu);
        auto it = _modes.find(subject);
        if (it == _modes.end())
            return unexpected(
                err(40409, fmt::format("Subject '{}' does not have subject-level mode configured", subject)));
        previous = it->second;
    }
    if (auto e = append({{subject_key("MODE", subject), std::nullopt}}))
        return unexpected(err(50001, "Failed to delete mode: " + *e));
    return previous;
}

int32_t registry::max_id() const {
    std::shared_lock lock(_mu);
    return _max_id;
}

} // namespace ferry::schema_registry
