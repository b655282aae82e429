#include "rest/ui/ui.hpp"

#include "base/json_writer.hpp"
#include "base/log.hpp"
#include "rest/server.hpp"
#include "rest/ui/decode.hpp"
#include "rest/ui/kafka_browser.hpp"
#include "rest/ui/registry_client.hpp"
#include "rest/ui/static_files.hpp"
#include "runtime/connector_config.hpp"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <set>

namespace ferry::rest {

namespace {

constexpr const char* json_type = "application/json";

log::logger_ptr logger() {
    static auto l = log::get("rest");
    return l;
}

void send_json(httplib::Response& res, int status, std::string body) {
    res.status = status;
    res.set_content(std::move(body), json_type);
}
void send_error(httplib::Response& res, const error& e) {
    auto code = status_of(e);
    res.status = code;
    res.set_content(error_body(code, e.message), json_type);
}
void send_error(httplib::Response& res, int code, std::string_view msg) {
    res.status = code;
    res.set_content(error_body(code, msg), json_type);
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return s;
}

std::vector<std::string> split_list(const std::string& s) {
    std::vector<std::string> out;
    size_t pos = 0;
    while (pos <= s.size()) {
        auto comma = s.find(',', pos);
        auto item = s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        while (!item.empty() && isspace((unsigned char)item.front())) item.erase(item.begin());
        while (!item.empty() && isspace((unsigned char)item.back())) item.pop_back();
        if (!item.empty()) out.push_back(item);
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    return out;
}

struct ui_state {
    ui_state(runtime::herder& h, ui_settings s)
        : herder(h), settings(std::move(s)), kafka(settings.kafka_props),
          registry(ui::registry_client::from_worker_props(settings.worker_props)) {
        for (auto* k : {"config.storage.topic", "offset.storage.topic", "status.storage.topic"})
            if (auto it = settings.worker_props.find(k); it != settings.worker_props.end()) internal_topics.insert(it->second);
    }
    runtime::herder& herder;
    ui_settings settings;
    ui::kafka_browser kafka;
    ui::registry_client registry;
    std::set<std::string> internal_topics;

    bool internal_topic(const std::string& t) const {
        return t.starts_with("__") || t == "_schemas" || internal_topics.count(t) > 0;
    }
};

// Names of the keys of `cfg` whose values are secrets: PASSWORD keys of the connector, of the
// framework's connector keys, of its converters, transforms and predicates (under their prefixes),
// plus keys whose names say they hold credentials (client overrides such as
// producer.override.sasl.jaas.config are not typed by any definition).
std::set<std::string> secret_keys(const plugin_registry& plugins, const config::config_map& cfg) {
    std::set<std::string> out;
    auto add_def = [&](const config::config_def& def, const std::string& prefix) {
        for (auto& k : def.keys())
            if (k.type == config::config_type::password) out.insert(prefix + k.name);
    };
    auto get = [&](const std::string& k) -> std::string {
        auto it = cfg.find(k);
        return it == cfg.end() ? std::string() : it->second;
    };
    const plugin_info* conn = plugins.find_connector(get("connector.class"));
    if (conn) {
        add_def(conn->config_def(), "");
        add_def(conn->type == plugin_type::sink ? runtime::sink_connector_def() : runtime::source_connector_def(), "");
    }
    for (auto [key, type] : {std::pair{"key.converter", plugin_type::converter},
                             std::pair{"value.converter", plugin_type::converter},
                             std::pair{"header.converter", plugin_type::header_converter}})
        if (auto* p = plugins.find(get(key), type)) add_def(p->config_def(), std::string(key) + ".");
    for (auto [list, type] : {std::pair{"transforms", plugin_type::transformation},
                              std::pair{"predicates", plugin_type::predicate}})
        for (auto& alias : split_list(get(list))) {
            auto prefix = std::string(list) + "." + alias + ".";
            if (auto* p = plugins.find(get(prefix + "type"), type)) add_def(p->config_def(), prefix);
        }
    for (auto& [k, _] : cfg) {
        auto l = lower(k);
        if (l.find("password") != std::string::npos || l.find("secret") != std::string::npos ||
            l.ends_with("user.info") || l.ends_with("sasl.jaas.config") || l.ends_with("api.key") ||
            l.ends_with("credentials") || l.ends_with("token"))
            out.insert(k);
    }
    return out;
}

// {"config":{...secrets as [hidden]...},"hidden":["key",...]}
void write_masked_config(json_writer& w, const plugin_registry& plugins, const config::config_map& cfg) {
    auto hidden = secret_keys(plugins, cfg);
    w.begin_object().key("config").begin_object();
    for (auto& [k, v] : cfg) w.key(k).str(hidden.count(k) ? std::string(config::hidden) : v);
    w.end_object().key("hidden").begin_array();
    for (auto& k : hidden)
        if (cfg.count(k)) w.str(k);
    w.end_array().end_object();
}

std::optional<int64_t> int_param(const httplib::Request& req, const char* name) {
    if (!req.has_param(name)) return std::nullopt;
    auto v = req.get_param_value(name);
    if (v.empty() || v.size() > 18 || !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::nullopt;
    return std::stoll(v);
}

void write_topic(json_writer& w, const ui::topic_offsets& t, bool internal) {
    int64_t messages = 0;
    w.begin_object().key("name").str(t.name).key("internal").boolean(internal).key("partitions").begin_array();
    for (auto& p : t.partitions) {
        w.begin_object().key("partition").num(p.partition).key("start_offset").num(p.start).key("end_offset").num(p.end);
        w.end_object();
        messages += p.end - p.start;
    }
    w.end_array().key("messages").num(messages).end_object();
}

void serve_static(const httplib::Request& req, httplib::Response& res, std::string_view path) {
    auto r = ui::resolve_static(ui::assets(), path, req.get_header_value("If-None-Match"));
    if (r.status == 404) return send_error(res, 404, "HTTP 404 Not Found");
    res.set_header("Content-Security-Policy", ui::content_security_policy);
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Referrer-Policy", "no-referrer");
    // Revalidated on every use: the URLs carry no content hash, the ETag does.
    res.set_header("Cache-Control", "no-cache");
    res.set_header("ETag", r.file->etag);
    res.status = r.status;
    if (r.status == 200) res.set_content(std::string(r.file->bytes()), r.content_type.c_str());
}

} // namespace

void register_ui(server& s, runtime::herder& h, ui_settings settings) {
    auto st = std::make_shared<ui_state>(h, std::move(settings));

    s.add_get("/ui", [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/ui/", 301); });
    s.add_get("/ui/(.*)", [](const httplib::Request& req, httplib::Response& res) {
        serve_static(req, res, req.matches[1].str());
    });

    s.add_get("/ferry/v1/info", [st](const httplib::Request&, httplib::Response& res) {
        json_writer w;
        w.begin_object().key("worker_id").str(st->settings.worker_id).key("mode").str(st->settings.mode);
        w.key("kafka_cluster_id").str(st->herder.kafka_cluster_id());
        w.key("schema_registry").boolean(st->registry.configured());
        w.end_object();
        send_json(res, 200, w.take());
    });

    s.add_get("/ferry/v1/workers", [st](const httplib::Request&, httplib::Response& res) {
        // Workers known from the statuses of connectors and tasks, and this one.
        struct counts {
            int connectors = 0, tasks = 0;
        };
        std::map<std::string, counts> workers;
        workers[st->settings.worker_id];
        for (auto& c : st->herder.connectors()) {
            auto status = st->herder.connector_status(c);
            if (!status) continue;
            if (!status->connector.worker_id.empty()) workers[status->connector.worker_id].connectors++;
            for (auto& t : status->tasks)
                if (!t.worker_id.empty()) workers[t.worker_id].tasks++;
        }
        json_writer w;
        w.begin_array();
        for (auto& [id, n] : workers) {
            w.begin_object().key("id").str(id).key("self").boolean(id == st->settings.worker_id);
            w.key("connectors").num(n.connectors).key("tasks").num(n.tasks).end_object();
        }
        w.end_array();
        send_json(res, 200, w.take());
    });

    s.add_get("/ferry/v1/topics", [st](const httplib::Request& req, httplib::Response& res) {
        bool offsets = !req.has_param("offsets") || lower(req.get_param_value("offsets")) != "false";
        auto topics = st->kafka.topics(offsets);
        if (!topics) return send_error(res, topics.error());
        json_writer w;
        w.begin_array();
        for (auto& t : *topics) write_topic(w, t, st->internal_topic(t.name));
        w.end_array();
        send_json(res, 200, w.take());
    });

    s.add_get(R"(/ferry/v1/topics/([^/]+))", [st](const httplib::Request& req, httplib::Response& res) {
        auto t = st->kafka.topic(req.matches[1].str());
        if (!t) return send_error(res, t.error());
        json_writer w;
        write_topic(w, *t, st->internal_topic(t->name));
        send_json(res, 200, w.take());
    });

    s.add_get(R"(/ferry/v1/topics/([^/]+)/messages)", [st](const httplib::Request& req, httplib::Response& res) {
        auto topic = req.matches[1].str();
        int64_t n = 10;
        if (req.has_param("n")) {
            auto v = int_param(req, "n");
            if (!v || *v < 1 || *v > 500) return send_error(res, 400, "n must be a number from 1 to 500");
            n = *v;
        }
        std::optional<int32_t> partition;
        if (req.has_param("partition") && !req.get_param_value("partition").empty()) {
            auto v = int_param(req, "partition");
            if (!v || *v > INT32_MAX) return send_error(res, 400, "partition must be a partition number");
            partition = int32_t(*v);
        }
        auto value_format = ui::parse_payload_format(req.get_param_value("format"));
        auto key_format = ui::parse_payload_format(req.get_param_value("key_format"));
        if (!value_format || !key_format)
            return send_error(res, 400, "format and key_format must be one of auto, json, avro, string, hex");
        auto msgs = st->kafka.peek(topic, int(n), partition);
        if (!msgs) return send_error(res, msgs.error());
        ui::schema_lookup lookup;
        if (st->registry.configured()) lookup = [st](int32_t id) { return st->registry.schema_by_id(id); };
        json_writer w;
        w.begin_object().key("topic").str(topic).key("messages").begin_array();
        for (auto& m : *msgs) {
            w.begin_object().key("partition").num(m.partition).key("offset").num(m.offset);
            w.key("timestamp").num(m.timestamp);
            w.key("key");
            ui::write_payload(w, m.key, *key_format, lookup);
            w.key("value");
            ui::write_payload(w, m.value, *value_format, lookup);
            w.key("headers").begin_array();
            for (auto& [k, v] : m.headers) {
                w.begin_object().key("key").str(k).key("value");
                ui::write_payload(w, v, ui::payload_format::auto_detect, {});
                w.end_object();
            }
            w.end_array().end_object();
        }
        w.end_array().end_object();
        send_json(res, 200, w.take());
    });

    s.add_get(R"(/ferry/v1/connectors/([^/]+)/config)", [st](const httplib::Request& req, httplib::Response& res) {
        auto cfg = st->herder.connector_config(req.matches[1].str());
        if (!cfg) return send_error(res, cfg.error());
        json_writer w;
        write_masked_config(w, st->herder.plugins(), *cfg);
        send_json(res, 200, w.take());
    });

    // Every connector's config, masked: what the connector list shows (class, topics) without
    // Connect's ?expand=info, which carries secrets.
    s.add_get("/ferry/v1/connectors", [st](const httplib::Request&, httplib::Response& res) {
        json_writer w;
        w.begin_object();
        for (auto& c : st->herder.connectors()) {
            auto cfg = st->herder.connector_config(c);
            if (!cfg) continue; // deleted meanwhile
            w.key(c);
            write_masked_config(w, st->herder.plugins(), *cfg);
        }
        w.end_object();
        send_json(res, 200, w.take());
    });

    s.add_get(R"(/ferry/v1/registry/(.*))", [st](const httplib::Request& req, httplib::Response& res) {
        if (!st->registry.configured())
            return send_error(res, 404, "No schema registry is configured (set value.converter.schema.registry.url)");
        // Only the registry's read resources; the target keeps the browser's own encoding.
        auto path = req.matches[1].str();
        static const char* allowed[] = {"subjects", "schemas", "config", "mode"};
        if (std::none_of(std::begin(allowed), std::end(allowed), [&](const char* a) {
                return path == a || path.starts_with(std::string(a) + "/");
            }))
            return send_error(res, 404, "HTTP 404 Not Found");
        constexpr std::string_view prefix = "/ferry/v1/registry";
        std::string target = req.target.starts_with(prefix) ? req.target.substr(prefix.size()) : "/" + path;
        auto r = st->registry.get(target);
        if (!r) {
            logger()->warn("UI: {}", r.error().message);
            return send_error(res, 502, r.error().message);
        }
        res.status = r->status;
        res.set_content(r->body, r->content_type.empty() ? json_type : r->content_type.c_str());
    });
}

} // namespace ferry::rest
