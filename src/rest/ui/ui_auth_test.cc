// The UI and its /ferry/v1/ resources sit behind the REST server's basic authentication like
// every other path: a real rest::server with the UI registered, over HTTP.
#include "rest/server.hpp"
#include "rest/ui/ui.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

using namespace ferry;

namespace {

// A herder with one connector, enough for the UI's resources that do not need Kafka.
class one_connector_herder : public runtime::herder {
public:
    result<> start() override { return {}; }
    void stop() override {}
    bool ready() const override { return true; }
    const plugin_registry& plugins() const override { return _plugins; }
    std::string kafka_cluster_id() const override { return "test-cluster"; }
    std::string worker_id() const override { return "w1"; }
    std::vector<std::string> connectors() override { return {"c1"}; }
    result<runtime::connector_info> connector(const std::string& n) override {
        if (n != "c1") return fail(errc::not_found, "Connector {} not found", n);
        return runtime::connector_info{"c1", _config, {}, "source"};
    }
    result<config::config_map> connector_config(const std::string& n) override {
        if (n != "c1") return fail(errc::not_found, "Connector {} not found", n);
        return _config;
    }
    result<put_result> put_connector_config(const std::string&, const config::config_map&, bool,
                                            std::optional<runtime::target_state>) override {
        return fail(errc::internal, "not in this test");
    }
    result<runtime::connector_info> patch_connector_config(
        const std::string&, const std::map<std::string, std::optional<std::string>>&) override {
        return fail(errc::internal, "not in this test");
    }
    result<> delete_connector(const std::string&) override { return fail(errc::internal, "not in this test"); }
    result<runtime::connector_state_info> connector_status(const std::string& n) override {
        if (n != "c1") return fail(errc::not_found, "Connector {} not found", n);
        runtime::connector_state_info s;
        s.name = "c1";
        s.connector = {"RUNNING", "w1", ""};
        s.type = "source";
        return s;
    }
    result<runtime::task_state_info> task_status(const runtime::task_id&) override {
        return fail(errc::not_found, "no tasks");
    }
    result<std::vector<runtime::task_info>> task_configs(const std::string&) override {
        return std::vector<runtime::task_info>{};
    }
    result<> restart_connector(const std::string&) override { return {}; }
    result<> restart_task(const runtime::task_id&) override { return {}; }
    result<runtime::connector_state_info> restart_connector_and_tasks(const std::string& n, bool, bool) override {
        return connector_status(n);
    }
    result<> pause_connector(const std::string&) override { return {}; }
    result<> resume_connector(const std::string&) override { return {}; }
    result<> stop_connector(const std::string&) override { return {}; }
    result<std::vector<runtime::connector_offset>> connector_offsets(const std::string&) override {
        return std::vector<runtime::connector_offset>{};
    }
    result<std::string> alter_connector_offsets(const std::string&, const std::vector<runtime::connector_offset>&) override {
        return fail(errc::internal, "not in this test");
    }
    result<std::string> reset_connector_offsets(const std::string&) override {
        return fail(errc::internal, "not in this test");
    }
    result<runtime::config_infos> validate_connector_config(const config::config_map&) override {
        return fail(errc::internal, "not in this test");
    }

private:
    plugin_registry _plugins;
    config::config_map _config{{"connector.class", "Unknown"}, {"name", "c1"}, {"db.password", "s3cret"}};
};

class ui_auth : public ::testing::Test {
protected:
    void SetUp() override {
        rest::server_config cfg;
        cfg.host = "127.0.0.1";
        cfg.port = 0;
        cfg.basic_auth = {{"admin", "pa:ss"}};
        _server = std::make_unique<rest::server>(cfg, _herder);
        // No bootstrap servers are reached by the paths under test.
        rest::register_ui(*_server, _herder, {"w1", "standalone", {{"bootstrap.servers", "127.0.0.1:1"}}, {}});
        ASSERT_TRUE(_server->start());
    }
    void TearDown() override { _server->stop(); }

    httplib::Result get(const std::string& path, const char* user = nullptr, const char* password = nullptr) {
        httplib::Client cli("127.0.0.1", _server->port());
        cli.set_connection_timeout(5, 0);
        cli.set_read_timeout(10, 0);
        if (user) cli.set_basic_auth(user, password);
        return cli.Get(path.c_str());
    }

    one_connector_herder _herder;
    std::unique_ptr<rest::server> _server;
};

const char* ui_paths[] = {"/ui", "/ui/", "/ui/connectors/c1", "/ui/assets/js/main.js", "/ui/assets/app.css",
                          "/ferry/v1/info", "/ferry/v1/workers", "/ferry/v1/connectors",
                          "/ferry/v1/connectors/c1/config", "/ferry/v1/registry/subjects"};

} // namespace

TEST_F(ui_auth, every_ui_path_asks_for_credentials) {
    for (auto* p : ui_paths) {
        for (auto [user, password] : {std::pair<const char*, const char*>{nullptr, nullptr},
                                      {"admin", "wrong"}, {"nobody", "pa:ss"}}) {
            auto r = get(p, user, password);
            ASSERT_TRUE(r) << p;
            EXPECT_EQ(r->status, 401) << p << " as " << (user ? user : "(none)");
            EXPECT_EQ(r->get_header_value("WWW-Authenticate"), "Basic realm=\"Ferry\"") << p;
            // Nothing of the UI, the config or the worker leaks into the refusal.
            EXPECT_EQ(r->body.find("s3cret"), std::string::npos) << p;
            EXPECT_EQ(r->body.find("<html"), std::string::npos) << p;
            EXPECT_EQ(r->body.find("test-cluster"), std::string::npos) << p;
        }
    }
}

TEST_F(ui_auth, with_credentials_the_ui_is_served) {
    auto index = get("/ui/", "admin", "pa:ss");
    ASSERT_TRUE(index);
    EXPECT_EQ(index->status, 200);
    EXPECT_NE(index->body.find("/ui/assets/js/main.js"), std::string::npos);
    EXPECT_NE(index->get_header_value("Content-Security-Policy").find("default-src 'self'"), std::string::npos);

    auto js = get("/ui/assets/js/main.js", "admin", "pa:ss");
    ASSERT_TRUE(js);
    EXPECT_EQ(js->status, 200);
    EXPECT_EQ(js->get_header_value("Content-Type"), "text/javascript; charset=utf-8");

    auto info = get("/ferry/v1/info", "admin", "pa:ss");
    ASSERT_TRUE(info);
    EXPECT_EQ(info->status, 200);
    EXPECT_EQ(info->body, R"({"worker_id":"w1","mode":"standalone","kafka_cluster_id":"test-cluster","schema_registry":false})");

    auto cfg = get("/ferry/v1/connectors/c1/config", "admin", "pa:ss");
    ASSERT_TRUE(cfg);
    EXPECT_EQ(cfg->status, 200);
    EXPECT_NE(cfg->body.find(R"("db.password":"[hidden]")"), std::string::npos) << cfg->body;
    EXPECT_EQ(cfg->body.find("s3cret"), std::string::npos);

    // Kafka Connect's own resources, which the UI drives, behind the same credentials.
    auto status = get("/connectors/c1/status", "admin", "pa:ss");
    ASSERT_TRUE(status);
    EXPECT_EQ(status->status, 200);
    EXPECT_EQ(get("/connectors/c1/status")->status, 401);
}
