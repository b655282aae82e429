#include "postgres_cdc.hpp"

#include "ferry/connect/errors.hpp"

namespace ferry::plugins::postgres_cdc {

namespace {

class postgres_connector : public source_connector {
public:
    std::string version() const override { return FERRY_VERSION; }
    void start(const config_map& cfg) override {
        parse_settings(cfg); // throws config_error naming the key
        _config = cfg;
    }
    std::string task_class() const override { return task_class_name; }
    // One task, whatever tasks.max says: a replication slot has one reader.
    std::vector<config_map> task_configs(int) override { return {_config}; }
    void stop() override {}
    const config::config_def& config() const override { return config_definition(); }
    std::vector<config::config_validation> validate(const config_map& props) const override {
        auto out = config_definition().validate(props);
        for (auto& [key, msg] : validate_extra(props)) {
            bool found = false;
            for (auto& v : out)
                if (v.name == key) {
                    v.errors.push_back(msg);
                    found = true;
                }
            if (!found) out.push_back({key, std::nullopt, {}, {msg}, true});
        }
        return out;
    }

private:
    config_map _config;
};

} // namespace

} // namespace ferry::plugins::postgres_cdc

namespace ferry {

void register_postgres_cdc(plugin_registry& r) {
    using namespace plugins::postgres_cdc;
    r.add_source_connector({connector_class, {"PostgresConnector"}, plugin_type::source, FERRY_VERSION, config_definition},
                           [] { return std::make_unique<postgres_connector>(); });
    r.add_source_task(task_class_name, [] { return make_task(); });
}

} // namespace ferry
