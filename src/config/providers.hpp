#pragma once
// Config providers and the placeholder transformer (Kafka's ConfigProvider, ConfigTransformer and
// the env/file/directory providers shipped with Kafka).
//
// A worker config declares providers:
//   config.providers=env,file
//   config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider
//   config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider
//   config.providers.file.param.allowed.paths=/etc/ferry/secrets
// and any worker or connector value may then hold placeholders ${provider:[path:]key}:
//   ${env:DB_PASSWORD}   ${file:/etc/ferry/secrets/db.properties:password}   ${directory:/run/secrets:db}
//
// Lifecycle: the runtime builds one config_transformer from the (unresolved) worker config at
// startup, resolves the worker config with it, and resolves each connector config every time it
// starts that connector or its tasks. Stored and REST-visible configs stay unresolved: GET
// /connectors/{c}/config shows the placeholders, never the secrets. transform() is const and the
// built-in providers are safe to call from several threads.
//
// Resolution follows ConfigTransformer exactly: the pattern is \$\{([^}]*?):(([^}]*?):)?([^}]*?)\}
// (provider up to the first ':', then an optional path up to the next ':', the key is the rest);
// replacement is not recursive; a placeholder naming an unknown provider, or a key the provider
// has no value for, is left unchanged. Where Kafka would throw (an unreadable file, a path given
// to the env provider), transform() reports an error naming the config key and the placeholder,
// and leaves the value unchanged; the caller fails the worker or connector start as Java does.
// Messages never contain a resolved value or the rest of the config value.

#include "base/error.hpp"
#include "ferry/config/config_def.hpp"

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace ferry::config {

class config_provider {
public:
    virtual ~config_provider() = default;
    // The values of `keys` found at `path` (keys without a value are absent from the result).
    // Errors must not contain values.
    virtual result<std::map<std::string, std::string>> get(const std::string& path,
                                                           const std::set<std::string>& keys) const = 0;
};

// EnvVarConfigProvider. params: allowlist.pattern (Java regex; variables whose name does not match
// it are invisible). The environment is read once, at construction, as Java does.
result<std::unique_ptr<config_provider>> make_env_provider(const config_map& params);
// The same over a given variable map (for tests and embedding).
result<std::unique_ptr<config_provider>> make_env_provider(const config_map& params,
                                                           std::map<std::string, std::string> env);
// FileConfigProvider: path = a .properties file (read as UTF-8). params: allowed.paths.
result<std::unique_ptr<config_provider>> make_file_provider(const config_map& params);
// DirectoryConfigProvider: path = a directory, key = a file name in it, value = the file's bytes.
// params: allowed.paths.
result<std::unique_ptr<config_provider>> make_directory_provider(const config_map& params);

// Builds a provider from the class name users write: the Kafka class name, its simple name or the
// simple name without "ConfigProvider" (EnvVar, File, Directory), as Connect's plugin aliases do.
result<std::unique_ptr<config_provider>> make_config_provider(std::string_view class_name, const config_map& params);

struct unresolved_reference {
    std::string key;       // the config key whose value holds the placeholder
    std::string reference; // the placeholder as written, e.g. ${env:MISSING}
    std::string reason;    // "no config provider named 'vault'", "no value for 'MISSING'"
};

struct transform_result {
    config_map config;                          // resolved; unresolvable placeholders left as written
    std::vector<error> errors;                  // provider failures; each names the key, never a value
    std::vector<unresolved_reference> unresolved; // left unchanged, as Kafka does (worth a WARN)
    bool ok() const { return errors.empty(); }
};

class config_transformer {
public:
    config_transformer() = default;

    // Instantiates config.providers from a worker config (providers listed without a .class are
    // skipped, as Java does; an unknown class is an error naming the key).
    static result<config_transformer> from_worker_config(const config_map& worker);

    void add(std::string name, std::unique_ptr<config_provider> provider);
    bool empty() const { return _providers.empty(); }
    const config_provider* find(const std::string& name) const;

    transform_result transform(const config_map& configs) const;

private:
    std::map<std::string, std::shared_ptr<const config_provider>> _providers;
};

// A placeholder found in a value: [begin, end) in the value, and its parts.
struct config_reference {
    size_t begin = 0, end = 0;
    std::string provider, path, key;
};
std::vector<config_reference> find_references(std::string_view value);

} // namespace ferry::config
