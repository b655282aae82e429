#include "schema_registry/avro/compatibility.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace ferry::avro {

std::string incompatibility::describe() const {
    return fmt::format("{{errorType:'{}', description:'{}', additionalInfo:'{}'}}", type, message, additional_info);
}

namespace {

class checker {
public:
    std::vector<incompatibility> result;

    void check(const node& r, const node& w, const std::string& loc) {
        // Recursive records: a pair under examination is assumed compatible (Java does the same).
        auto key = std::make_pair(&r, &w);
        if (_in_progress.count(key)) return;
        _in_progress.insert(key);
        check_inner(r, w, loc);
        _in_progress.erase(key);
    }

private:
    void add(std::string t, const std::string& loc, std::string msg, std::string info) {
        result.push_back({std::move(t), loc.empty() ? "/" : loc, std::move(msg), std::move(info)});
    }

    // Avro's SchemaCompatibility.schemaNameEquals (since Avro 1.9.1, AVRO-2400; Confluent's
    // registry runs 1.11/1.12): the unqualified names, so moving a record to another namespace is
    // compatible; else a reader alias naming the writer's full name.
    static bool name_matches(const node& r, const node& w) {
        if (r.name == w.name) return true;
        return std::find(r.aliases.begin(), r.aliases.end(), w.full_name) != r.aliases.end();
    }

    void type_mismatch(const node& r, const node& w, const std::string& loc) {
        add("TYPE_MISMATCH", loc,
            fmt::format("reader type: {} not compatible with writer type: {}", upper(r.type), upper(w.type)),
            fmt::format("reader type: {} not compatible with writer type: {}", upper(r.type), upper(w.type)));
    }

    static std::string upper(type t) {
        std::string s(type_name(t));
        for (auto& c : s) c = char(std::toupper(static_cast<unsigned char>(c)));
        return s;
    }

    // Whether `w` can be read by `r` without recording anything (used to pick union branches).
    bool quietly_compatible(const node& r, const node& w) {
        checker c;
        c._in_progress = _in_progress;
        c.check(r, w, "");
        return c.result.empty();
    }

    void check_inner(const node& r, const node& w, const std::string& loc) {
        if (r.type == w.type) {
            switch (r.type) {
            case type::null_:
            case type::boolean:
            case type::int_:
            case type::long_:
            case type::float_:
            case type::double_:
            case type::bytes:
            case type::string: return;
            case type::array: check(*r.items, *w.items, loc + "/items"); return;
            case type::map: check(*r.items, *w.items, loc + "/values"); return;
            case type::fixed:
                if (!name_matches(r, w)) {
                    add("NAME_MISMATCH", loc + "/name",
                        fmt::format("expected: {}", w.full_name), fmt::format("expected: {}", w.full_name));
                    return;
                }
                if (r.size != w.size)
                    add("FIXED_SIZE_MISMATCH", loc + "/size",
                        fmt::format("expected: {}, found: {}", w.size, r.size),
                        fmt::format("expected: {}, found: {}", w.size, r.size));
                return;
            case type::enum_: {
                if (!name_matches(r, w)) {
                    add("NAME_MISMATCH", loc + "/name",
                        fmt::format("expected: {}", w.full_name), fmt::format("expected: {}", w.full_name));
                    return;
                }
                if (r.enum_default) return;
                std::vector<std::string> missing;
                for (auto& s : w.symbols)
                    if (std::find(r.symbols.begin(), r.symbols.end(), s) == r.symbols.end()) missing.push_back(s);
                if (!missing.empty()) {
                    std::string list = "[" + fmt::format("{}", fmt::join(missing, ", ")) + "]";
                    add("MISSING_ENUM_SYMBOLS", loc + "/symbols", list, list);
                }
                return;
            }
            case type::record: {
                if (!name_matches(r, w)) {
                    add("NAME_MISMATCH", loc + "/name",
                        fmt::format("expected: {}", w.full_name), fmt::format("expected: {}", w.full_name));
                    return;
                }
                for (auto& rf : r.fields) {
                    const field* wf = w.find_field(rf.name);
                    if (!wf)
                        for (auto& a : rf.aliases)
                            if ((wf = w.find_field(a))) break;
                    std::string floc = loc + "/fields/" + std::to_string(rf.position);
                    if (!wf) {
                        if (!rf.default_value)
                            add("READER_FIELD_MISSING_DEFAULT_VALUE", floc,
                                fmt::format("The field '{}' at path '{}' in the new schema has no default value and is "
                                            "missing in the old schema",
                                            rf.name, floc),
                                rf.name);
                        continue;
                    }
                    check(*rf.schema, *wf->schema, floc + "/type");
                }
                return;
            }
            case type::union_: {
                for (size_t i = 0; i < w.branches.size(); i++) {
                    bool ok = false;
                    for (auto* rb : r.branches)
                        if (quietly_compatible(*rb, *w.branches[i])) {
                            ok = true;
                            break;
                        }
                    if (!ok)
                        add("MISSING_UNION_BRANCH", loc + "/" + std::to_string(i),
                            fmt::format("reader union lacking writer type: {}", upper(w.branches[i]->type)),
                            fmt::format("reader union lacking writer type: {}", upper(w.branches[i]->type)));
                }
                return;
            }
            }
            return;
        }
        // Different types.
        if (w.type == type::union_) {
            for (size_t i = 0; i < w.branches.size(); i++) check(r, *w.branches[i], loc + "/" + std::to_string(i));
            return;
        }
        switch (r.type) {
        case type::long_:
            if (w.type == type::int_) return;
            break;
        case type::float_:
            if (w.type == type::int_ || w.type == type::long_) return;
            break;
        case type::double_:
            if (w.type == type::int_ || w.type == type::long_ || w.type == type::float_) return;
            break;
        case type::bytes:
            if (w.type == type::string) return;
            break;
        case type::string:
            if (w.type == type::bytes) return;
            break;
        case type::union_:
            for (auto* rb : r.branches)
                if (quietly_compatible(*rb, w)) return;
            add("MISSING_UNION_BRANCH", loc,
                fmt::format("reader union lacking writer type: {}", upper(w.type)),
                fmt::format("reader union lacking writer type: {}", upper(w.type)));
            return;
        default: break;
        }
        type_mismatch(r, w, loc);
    }

    std::set<std::pair<const node*, const node*>> _in_progress;
};

} // namespace

std::vector<incompatibility> check_reader_writer(const node& reader, const node& writer) {
    checker c;
    c.check(reader, writer, "");
    return std::move(c.result);
}

std::string_view level_name(compatibility_level l) {
    switch (l) {
    case compatibility_level::none: return "NONE";
    case compatibility_level::backward: return "BACKWARD";
    case compatibility_level::backward_transitive: return "BACKWARD_TRANSITIVE";
    case compatibility_level::forward: return "FORWARD";
    case compatibility_level::forward_transitive: return "FORWARD_TRANSITIVE";
    case compatibility_level::full: return "FULL";
    case compatibility_level::full_transitive: return "FULL_TRANSITIVE";
    }
    return "NONE";
}

std::optional<compatibility_level> parse_level(std::string_view s) {
    std::string u(s);
    for (auto& c : u) c = char(std::toupper(static_cast<unsigned char>(c)));
    for (auto l : {compatibility_level::none, compatibility_level::backward, compatibility_level::backward_transitive,
                   compatibility_level::forward, compatibility_level::forward_transitive, compatibility_level::full,
                   compatibility_level::full_transitive})
        if (level_name(l) == u) return l;
    return std::nullopt;
}

std::vector<std::string> check_compatibility(compatibility_level level, const node& candidate,
                                             const std::vector<previous_version>& previous) {
    std::vector<std::string> out;
    if (level == compatibility_level::none || previous.empty()) return out;
    bool transitive = level == compatibility_level::backward_transitive ||
                      level == compatibility_level::forward_transitive || level == compatibility_level::full_transitive;
    bool backward = level != compatibility_level::forward && level != compatibility_level::forward_transitive;
    bool forward = level != compatibility_level::backward && level != compatibility_level::backward_transitive;
    // Newest first, as Confluent's validator walks them; the first failing version is reported.
    std::vector<previous_version> against;
    if (transitive) against.assign(previous.rbegin(), previous.rend());
    else against.push_back(previous.back());
    for (auto& [version, old] : against) {
        std::vector<incompatibility> problems;
        if (backward) {
            auto r = check_reader_writer(candidate, *old);
            problems.insert(problems.end(), r.begin(), r.end());
        }
        if (forward) {
            auto r = check_reader_writer(*old, candidate);
            problems.insert(problems.end(), r.begin(), r.end());
        }
        if (!problems.empty()) {
            for (auto& p : problems) out.push_back(p.describe());
            out.push_back(fmt::format("{{oldSchemaVersion: {}}}", version));
            out.push_back("{oldSchema: '" + to_string(*old) + "'}");
            break;
        }
    }
    if (!out.empty()) out.push_back(fmt::format("{{validateFields: 'false', compatibility: '{}'}}", level_name(level)));
    return out;
}

} // namespace ferry::avro
