#include "config/providers.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace ferry::config {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

class temp_dir {
public:
    temp_dir() {
        _path = fs::temp_directory_path() / ("ferry-providers-" + std::to_string(::getpid()) + "-" + std::to_string(_n++));
        fs::create_directories(_path);
    }
    ~temp_dir() { fs::remove_all(_path); }
    std::string write(const std::string& name, const std::string& content) const {
        auto p = _path / name;
        fs::create_directories(p.parent_path());
        std::ofstream(p, std::ios::binary) << content;
        return p.string();
    }
    std::string str() const { return _path.string(); }

private:
    static inline int _n = 0;
    fs::path _path;
};

config_transformer env_only(std::map<std::string, std::string> env, const config_map& params = {}) {
    config_transformer t;
    auto p = make_env_provider(params, std::move(env));
    EXPECT_TRUE(p) << p.error().message;
    t.add("env", std::move(*p));
    return t;
}

TEST(config_references, parse_like_kafka_pattern) {
    auto refs = find_references("a${env:X}b${file:/p/f.properties:key}c${x:p:k:with:colons}${nocolon}${:k}");
    ASSERT_EQ(refs.size(), 4u);
    EXPECT_EQ(refs[0].provider, "env");
    EXPECT_EQ(refs[0].path, "");
    EXPECT_EQ(refs[0].key, "X");
    EXPECT_EQ(refs[0].begin, 1u);
    EXPECT_EQ(refs[0].end, 9u);
    EXPECT_EQ(refs[1].provider, "file");
    EXPECT_EQ(refs[1].path, "/p/f.properties");
    EXPECT_EQ(refs[1].key, "key");
    EXPECT_EQ(refs[2].path, "p");
    EXPECT_EQ(refs[2].key, "k:with:colons");
    EXPECT_EQ(refs[3].provider, "");
    EXPECT_EQ(refs[3].key, "k");
    // The first '}' closes the placeholder; "${" inside the provider part is just text.
    auto odd = find_references("${a${env:B}");
    ASSERT_EQ(odd.size(), 1u);
    EXPECT_EQ(odd[0].provider, "a${env");
    EXPECT_EQ(odd[0].key, "B");
    EXPECT_THAT(find_references("${env:X"), IsEmpty());
    EXPECT_THAT(find_references("$ {env:X}"), IsEmpty());
}

TEST(config_transformer, env_resolution) {
    auto t = env_only({{"DB_PASSWORD", "s3cr3t"}, {"HOST", "db"}});
    auto r = t.transform({{"connection.url", "jdbc:postgresql://${env:HOST}:5432/x"},
                          {"connection.password", "${env:DB_PASSWORD}"},
                          {"plain", "no placeholders $ { }"}});
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.config.at("connection.url"), "jdbc:postgresql://db:5432/x");
    EXPECT_EQ(r.config.at("connection.password"), "s3cr3t");
    EXPECT_EQ(r.config.at("plain"), "no placeholders $ { }");
    EXPECT_THAT(r.unresolved, IsEmpty());
}

TEST(config_transformer, env_from_process_environment) {
    ::setenv("FERRY_PROVIDER_TEST_VAR", "from-env", 1);
    auto t = config_transformer::from_worker_config(
        {{"config.providers", "env"}, {"config.providers.env.class", "org.apache.kafka.common.config.provider.EnvVarConfigProvider"}});
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_EQ(t->transform({{"k", "${env:FERRY_PROVIDER_TEST_VAR}"}}).config.at("k"), "from-env");
}

TEST(config_transformer, missing_variable_is_left_unchanged_as_kafka_does) {
    auto t = env_only({{"A", "1"}});
    auto r = t.transform({{"k", "x-${env:MISSING}-${env:A}"}, {"v", "${vault:secret/db:pw}"}});
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.config.at("k"), "x-${env:MISSING}-1");
    EXPECT_EQ(r.config.at("v"), "${vault:secret/db:pw}");
    ASSERT_EQ(r.unresolved.size(), 2u);
    EXPECT_EQ(r.unresolved[0].key, "k");
    EXPECT_EQ(r.unresolved[0].reference, "${env:MISSING}");
    EXPECT_EQ(r.unresolved[0].reason, "no value for 'MISSING'");
    EXPECT_EQ(r.unresolved[1].reason, "no config provider named 'vault'");
}

TEST(config_transformer, replacement_is_not_recursive) {
    auto t = env_only({{"A", "${env:B}"}, {"B", "deep"}});
    EXPECT_EQ(t.transform({{"k", "${env:A}"}}).config.at("k"), "${env:B}");
}

TEST(config_transformer, env_allowlist_and_path_error) {
    auto t = env_only({{"APP_TOKEN", "tok"}, {"HOME", "/root"}}, {{"allowlist.pattern", "APP_.*"}});
    auto r = t.transform({{"a", "${env:APP_TOKEN}"}, {"b", "${env:HOME}"}});
    EXPECT_EQ(r.config.at("a"), "tok");
    EXPECT_EQ(r.config.at("b"), "${env:HOME}");

    auto e = env_only({{"X", "secret-value"}}).transform({{"db.password", "prefix-secret-in-url ${env:some/path:X}"}});
    ASSERT_EQ(e.errors.size(), 1u);
    EXPECT_EQ(e.errors[0].message,
              "Could not resolve ${env:some/path:X} in configuration 'db.password': Path is not supported for "
              "EnvVarConfigProvider, invalid value 'some/path'");
    EXPECT_EQ(e.config.at("db.password"), "prefix-secret-in-url ${env:some/path:X}");

    EXPECT_FALSE(make_env_provider({{"allowlist.pattern", "(unclosed"}}, {}));
}

TEST(config_transformer, file_provider) {
    temp_dir dir;
    auto file = dir.write("db.properties", "user=app\npassword = hunter2\\u0021\n");
    auto t = config_transformer::from_worker_config({{"config.providers", "file"},
                                                     {"config.providers.file.class", "FileConfigProvider"}});
    ASSERT_TRUE(t) << t.error().message;
    auto r = t->transform({{"connection.user", "${file:" + file + ":user}"},
                           {"connection.password", "${file:" + file + ":password}"},
                           {"other", "${file:" + file + ":nope}"}});
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.config.at("connection.user"), "app");
    EXPECT_EQ(r.config.at("connection.password"), "hunter2!");
    EXPECT_EQ(r.config.at("other"), "${file:" + file + ":nope}");
    ASSERT_EQ(r.unresolved.size(), 1u);
    EXPECT_EQ(r.unresolved[0].key, "other");
}

TEST(config_transformer, file_provider_errors_name_key_not_secret) {
    temp_dir dir;
    auto t = config_transformer::from_worker_config(
        {{"config.providers", "file"}, {"config.providers.file.class", "File"}});
    ASSERT_TRUE(t);
    std::string missing = dir.str() + "/missing.properties";
    auto r = t->transform({{"connection.password", "pw-${file:" + missing + ":password}-tail-SECRET"}});
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0].kind, errc::io);
    EXPECT_THAT(r.errors[0].message, HasSubstr("'connection.password'"));
    EXPECT_THAT(r.errors[0].message, HasSubstr("Could not read properties from file " + missing));
    EXPECT_THAT(r.errors[0].message, Not(HasSubstr("SECRET")));
    EXPECT_THAT(r.errors[0].message, Not(HasSubstr("pw-")));

    auto bad = dir.write("bad.properties", "password=\\u00zz\n");
    auto r2 = t->transform({{"k", "${file:" + bad + ":password}"}});
    ASSERT_EQ(r2.errors.size(), 1u);
    EXPECT_THAT(r2.errors[0].message, HasSubstr("bad.properties:1: malformed \\uxxxx encoding"));
}

TEST(config_transformer, allowed_paths) {
    temp_dir dir;
    auto inside = dir.write("ok/s.properties", "k=v\n");
    auto outside = dir.write("no/s.properties", "k=v\n");
    auto t = config_transformer::from_worker_config({{"config.providers", "file"},
                                                     {"config.providers.file.class", "FileConfigProvider"},
                                                     {"config.providers.file.param.allowed.paths", dir.str() + "/ok"}});
    ASSERT_TRUE(t) << t.error().message;
    auto r = t->transform({{"a", "${file:" + inside + ":k}"},
                           {"b", "${file:" + outside + ":k}"},
                           {"c", "${file:" + dir.str() + "/ok/../no/s.properties:k}"}});
    EXPECT_EQ(r.config.at("a"), "v");
    EXPECT_EQ(r.config.at("b"), "${file:" + outside + ":k}");
    EXPECT_EQ(r.config.at("c"), "${file:" + dir.str() + "/ok/../no/s.properties:k}");

    auto rel = make_file_provider({{"allowed.paths", "relative/dir"}});
    ASSERT_FALSE(rel);
    EXPECT_EQ(rel.error().message, "Path relative/dir is not absolute");
    auto gone = make_file_provider({{"allowed.paths", dir.str() + "/absent"}});
    ASSERT_FALSE(gone);
    EXPECT_EQ(gone.error().message, "Path " + dir.str() + "/absent does not exist");
}

TEST(config_transformer, directory_provider) {
    temp_dir dir;
    dir.write("secrets/db-password", "p@ss\n");
    dir.write("secrets/sub/nested", "x");
    auto t = config_transformer::from_worker_config(
        {{"config.providers", " dir , env"},
         {"config.providers.dir.class", "org.apache.kafka.common.config.provider.DirectoryConfigProvider"}});
    ASSERT_TRUE(t) << t.error().message;
    EXPECT_EQ(t->find("env"), nullptr); // listed without a class: skipped, as Java does
    std::string d = dir.str() + "/secrets";
    auto r = t->transform({{"a", "${dir:" + d + ":db-password}"}, {"b", "${dir:" + d + ":sub}"},
                           {"c", "${dir:" + d + ":sub/nested}"}});
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.config.at("a"), "p@ss\n"); // the file's bytes, untrimmed
    EXPECT_EQ(r.config.at("b"), "${dir:" + d + ":sub}");
    EXPECT_EQ(r.config.at("c"), "${dir:" + d + ":sub/nested}");
}

TEST(config_transformer, provider_classes) {
    for (const char* cls : {"org.apache.kafka.common.config.provider.EnvVarConfigProvider", "EnvVarConfigProvider",
                            "EnvVar", " EnvVar "})
        EXPECT_TRUE(make_config_provider(cls, {})) << cls;
    auto bad = config_transformer::from_worker_config(
        {{"config.providers", "vault"}, {"config.providers.vault.class", "com.example.VaultConfigProvider"}});
    ASSERT_FALSE(bad);
    EXPECT_THAT(bad.error().message,
                HasSubstr("Invalid value com.example.VaultConfigProvider for configuration config.providers.vault.class: "
                          "Failed to find any class that implements ConfigProvider"));
    auto none = config_transformer::from_worker_config({{"bootstrap.servers", "x"}});
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->empty());
    EXPECT_EQ(none->transform({{"k", "${env:HOME}"}}).config.at("k"), "${env:HOME}");
}

} // namespace
} // namespace ferry::config
