#include "config/providers.hpp"

#include "base/log.hpp"
#include "config/java_text.hpp"
#include "config/properties.hpp"
#include "config/regex.hpp"

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

extern char** environ;

namespace ferry::config {

namespace fs = std::filesystem;

namespace {

log::logger_ptr logger() {
    static auto l = log::get("config");
    return l;
}

// Java's Path.normalize() followed by component lists, so "/a/b/" and "/a/./b" compare equal.
std::vector<std::string> components(const fs::path& p) {
    std::vector<std::string> out;
    for (const auto& c : p.lexically_normal())
        if (!c.empty()) out.push_back(c.string());
    return out;
}

// Kafka's AllowedPaths: `allowed.paths` is a comma list of absolute, existing paths; a provider may
// read only below them. Unset or empty = anything.
class allowed_paths {
public:
    static result<allowed_paths> parse(const config_map& params) {
        allowed_paths out;
        auto it = params.find("allowed.paths");
        if (it == params.end() || it->second.empty()) return out;
        out._paths.emplace();
        std::string_view rest = it->second;
        while (true) {
            size_t comma = rest.find(',');
            fs::path p(std::string(rest.substr(0, comma)));
            fs::path normal = p.lexically_normal();
            if (!normal.is_absolute()) return fail(errc::invalid_argument, "Path {} is not absolute", normal.string());
            std::error_code ec;
            if (!fs::exists(normal, ec)) return fail(errc::invalid_argument, "Path {} does not exist", normal.string());
            out._paths->push_back(components(normal));
            if (comma == std::string_view::npos) break;
            rest.remove_prefix(comma + 1);
        }
        return out;
    }

    // The path to open, or nullopt when it lies outside every allowed path.
    std::optional<fs::path> check(const std::string& path) const {
        if (!_paths) return fs::path(path);
        fs::path normal = fs::path(path).lexically_normal();
        auto parts = components(normal);
        bool rooted = normal.is_absolute();
        for (const auto& allowed : *_paths)
            if (rooted && parts.size() >= allowed.size() && std::equal(allowed.begin(), allowed.end(), parts.begin()))
                return normal;
        return std::nullopt;
    }

private:
    std::optional<std::vector<std::vector<std::string>>> _paths;
};

class env_provider final : public config_provider {
public:
    explicit env_provider(std::map<std::string, std::string> vars) : _vars(std::move(vars)) {}

    result<std::map<std::string, std::string>> get(const std::string& path,
                                                   const std::set<std::string>& keys) const override {
        if (!path.empty())
            return fail(errc::invalid_argument, "Path is not supported for EnvVarConfigProvider, invalid value '{}'",
                        path);
        std::map<std::string, std::string> out;
        for (const auto& k : keys)
            if (auto it = _vars.find(k); it != _vars.end()) out.emplace(k, it->second);
        return out;
    }

private:
    std::map<std::string, std::string> _vars;
};

class file_provider final : public config_provider {
public:
    explicit file_provider(allowed_paths allowed) : _allowed(std::move(allowed)) {}

    result<std::map<std::string, std::string>> get(const std::string& path,
                                                   const std::set<std::string>& keys) const override {
        std::map<std::string, std::string> out;
        if (path.empty()) return out;
        auto file = _allowed.check(path);
        if (!file) {
            logger()->warn("The path {} is not allowed to be accessed", path);
            return out;
        }
        auto props = load_properties(file->string());
        if (!props) {
            if (props.error().kind == errc::io)
                return fail(errc::io, "Could not read properties from file {}", path);
            return fail(std::move(props).error());
        }
        for (const auto& k : keys)
            if (const std::string* v = props->get(k)) out.emplace(k, *v);
        return out;
    }

private:
    allowed_paths _allowed;
};

class directory_provider final : public config_provider {
public:
    explicit directory_provider(allowed_paths allowed) : _allowed(std::move(allowed)) {}

    result<std::map<std::string, std::string>> get(const std::string& path,
                                                   const std::set<std::string>& keys) const override {
        std::map<std::string, std::string> out;
        if (path.empty()) return out;
        auto dir = _allowed.check(path);
        if (!dir) {
            logger()->warn("The path {} is not allowed to be accessed", path);
            return out;
        }
        std::error_code ec;
        if (!fs::is_directory(*dir, ec)) {
            logger()->warn("The path {} is not a directory", path);
            return out;
        }
        for (const auto& k : keys) {
            // Only files directly in the directory are candidates, as Java lists it.
            if (k.empty() || k == "." || k == ".." || k.find('/') != std::string::npos) continue;
            fs::path file = *dir / k;
            if (!fs::is_regular_file(file, ec)) continue;
            std::ifstream in(file, std::ios::binary);
            std::ostringstream ss;
            ss << in.rdbuf();
            if (!in || in.bad())
                return fail(errc::io, "Could not read file {} for property {}", file.string(), k);
            out.emplace(k, ss.str());
        }
        return out;
    }

private:
    allowed_paths _allowed;
};

std::map<std::string, std::string> process_environment() {
    std::map<std::string, std::string> out;
    for (char** e = environ; e && *e; ++e) {
        std::string_view kv(*e);
        size_t eq = kv.find('=');
        if (eq == std::string_view::npos) continue;
        out.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
    }
    return out;
}

constexpr std::string_view provider_package = "org.apache.kafka.common.config.provider.";

bool names(std::string_view class_name, std::string_view simple) {
    if (class_name == simple) return true;
    if (class_name.size() == provider_package.size() + simple.size() && class_name.starts_with(provider_package) &&
        class_name.ends_with(simple))
        return true;
    std::string_view pruned = simple.substr(0, simple.size() - std::string_view("ConfigProvider").size());
    return class_name == pruned;
}

} // namespace

result<std::unique_ptr<config_provider>> make_env_provider(const config_map& params,
                                                           std::map<std::string, std::string> env) {
    if (auto it = params.find("allowlist.pattern"); it != params.end()) {
        auto re = regex::compile(it->second);
        if (!re)
            return fail(errc::invalid_argument, "Invalid value {} for configuration allowlist.pattern: {}", it->second,
                        re.error().message);
        std::erase_if(env, [&](const auto& kv) { return !re->full_match(kv.first); });
    }
    return std::unique_ptr<config_provider>(new env_provider(std::move(env)));
}

result<std::unique_ptr<config_provider>> make_env_provider(const config_map& params) {
    return make_env_provider(params, process_environment());
}

result<std::unique_ptr<config_provider>> make_file_provider(const config_map& params) {
    auto allowed = allowed_paths::parse(params);
    if (!allowed) return fail(std::move(allowed).error());
    return std::unique_ptr<config_provider>(new file_provider(std::move(*allowed)));
}

result<std::unique_ptr<config_provider>> make_directory_provider(const config_map& params) {
    auto allowed = allowed_paths::parse(params);
    if (!allowed) return fail(std::move(allowed).error());
    return std::unique_ptr<config_provider>(new directory_provider(std::move(*allowed)));
}

result<std::unique_ptr<config_provider>> make_config_provider(std::string_view class_name, const config_map& params) {
    class_name = java::trim(class_name);
    if (names(class_name, "EnvVarConfigProvider")) return make_env_provider(params);
    if (names(class_name, "FileConfigProvider")) return make_file_provider(params);
    if (names(class_name, "DirectoryConfigProvider")) return make_directory_provider(params);
    return fail(errc::invalid_argument,
                "Failed to find any class that implements ConfigProvider and which name matches {}, available "
                "ConfigProviders are: {}DirectoryConfigProvider, {}EnvVarConfigProvider, {}FileConfigProvider",
                class_name, provider_package, provider_package, provider_package);
}

// ---------------------------------------------------------------------------------------------

std::vector<config_reference> find_references(std::string_view value) {
    std::vector<config_reference> out;
    size_t i = 0;
    while ((i = value.find("${", i)) != std::string_view::npos) {
        size_t close = value.find('}', i + 2);
        if (close == std::string_view::npos) break;
        std::string_view body = value.substr(i + 2, close - i - 2);
        size_t c1 = body.find(':');
        if (c1 == std::string_view::npos) {
            ++i; // no match here; the regex engine would try the next position
            continue;
        }
        config_reference ref;
        ref.begin = i;
        ref.end = close + 1;
        ref.provider = std::string(body.substr(0, c1));
        std::string_view rest = body.substr(c1 + 1);
        if (size_t c2 = rest.find(':'); c2 != std::string_view::npos) {
            ref.path = std::string(rest.substr(0, c2));
            ref.key = std::string(rest.substr(c2 + 1));
        } else {
            ref.key = std::string(rest);
        }
        out.push_back(std::move(ref));
        i = close + 1;
    }
    return out;
}

result<config_transformer> config_transformer::from_worker_config(const config_map& worker) {
    config_transformer t;
    auto it = worker.find("config.providers");
    if (it == worker.end()) return t;
    auto listed = config_def::parse_value("config.providers", it->second, config_type::list);
    for (const auto& name : std::get<std::vector<std::string>>(listed)) {
        if (name.empty()) continue;
        std::string class_key = "config.providers." + name + ".class";
        auto cls = worker.find(class_key);
        if (cls == worker.end()) {
            logger()->warn("Config provider '{}' is listed in config.providers but {} is not set; ignoring it", name,
                           class_key);
            continue;
        }
        auto provider = make_config_provider(cls->second, with_prefix_stripped(worker, "config.providers." + name + ".param."));
        if (!provider)
            return fail(errc::invalid_argument, "Invalid value {} for configuration {}: {}", java::trim(cls->second),
                        class_key, provider.error().message);
        t.add(name, std::move(*provider));
    }
    return t;
}

void config_transformer::add(std::string name, std::unique_ptr<config_provider> provider) {
    _providers[std::move(name)] = std::shared_ptr<const config_provider>(std::move(provider));
}

const config_provider* config_transformer::find(const std::string& name) const {
    auto it = _providers.find(name);
    return it == _providers.end() ? nullptr : it->second.get();
}

transform_result config_transformer::transform(const config_map& configs) const {
    // Group the lookups by provider and path as ConfigTransformer does: one get() per file.
    std::map<std::string, std::map<std::string, std::set<std::string>>> wanted;
    std::map<std::string, std::vector<config_reference>> refs_by_key;
    for (const auto& [key, value] : configs) {
        auto refs = find_references(value);
        if (refs.empty()) continue;
        for (const auto& r : refs) wanted[r.provider][r.path].insert(r.key);
        refs_by_key.emplace(key, std::move(refs));
    }
    using lookup = result<std::map<std::string, std::string>>;
    std::map<std::string, std::map<std::string, lookup>> found;
    for (const auto& [provider_name, paths] : wanted) {
        const config_provider* provider = find(provider_name);
        if (!provider) continue;
        for (const auto& [path, keys] : paths) found[provider_name].emplace(path, provider->get(path, keys));
    }

    transform_result out;
    out.config = configs;
    for (const auto& [key, refs] : refs_by_key) {
        const std::string& value = configs.at(key);
        std::string resolved;
        size_t pos = 0;
        for (const auto& r : refs) {
            std::string_view written(value.data() + r.begin, r.end - r.begin);
            resolved.append(value, pos, r.begin - pos);
            pos = r.end;
            auto p = found.find(r.provider);
            if (p == found.end()) {
                resolved += written;
                out.unresolved.push_back({key, std::string(written), fmt::format("no config provider named '{}'", r.provider)});
                continue;
            }
            const lookup& data = p->second.at(r.path);
            if (!data) {
                resolved += written;
                out.errors.emplace_back(data.error().kind, fmt::format("Could not resolve {} in configuration '{}': {}",
                                                                       written, key, data.error().message));
                continue;
            }
            auto v = data->find(r.key);
            if (v == data->end()) {
                resolved += written;
                out.unresolved.push_back({key, std::string(written), fmt::format("no value for '{}'", r.key)});
                continue;
            }
            resolved += v->second;
        }
        resolved.append(value, pos, std::string::npos);
        out.config[key] = std::move(resolved);
    }
    return out;
}

} // namespace ferry::config
