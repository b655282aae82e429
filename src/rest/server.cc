#include "rest/server.hpp"

#include "ferry/data/base64.hpp"
#include "base/log.hpp"
#include "rest/json_writer.hpp"
#include "rest/value_json.hpp"

#include <fmt/format.h>
#include <httplib.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>

namespace ferry::rest {

using runtime::herder;
using namespace std::string_literals;

namespace {

log::logger_ptr logger() {
    static auto l = log::get("rest");
    return l;
}

constexpr const char* json_type = "application/json";

} // namespace

int status_of(const error& e) {
    switch (e.kind) {
    case errc::invalid_argument: return 400;
    case errc::not_found: return 404;
    case errc::already_exists:
    case errc::conflict: return 409;
    case errc::unavailable: return 503;
    default: return 500;
    }
}

std::string error_body(int code, std::string_view message) {
    json_writer w;
    w.begin_object().key("error_code").num(code).key("message").str(message).end_object();
    return w.take();
}

namespace {

void send_error(httplib::Response& res, int code, std::string_view message) {
    res.status = code;
    res.set_content(error_body(code, message), json_type);
}
void send_error(httplib::Response& res, const error& e) { send_error(res, status_of(e), e.message); }
void send_json(httplib::Response& res, int code, std::string body) {
    res.status = code;
    res.set_content(std::move(body), json_type);
}

void write_connector_info(json_writer& w, const runtime::connector_info& info) {
    w.begin_object().key("name").str(info.name).key("config").string_map(info.config).key("tasks").begin_array();
    for (auto& t : info.tasks) w.begin_object().key("connector").str(t.connector).key("task").num(t.task).end_object();
    w.end_array().key("type").str(info.type).end_object();
}

void write_state(json_writer& w, const runtime::state_info& s) {
    w.key("state").str(s.state).key("worker_id").str(s.worker_id);
    if (!s.trace.empty()) w.key("trace").str(s.trace);
}

void write_status(json_writer& w, const runtime::connector_state_info& s) {
    w.begin_object().key("name").str(s.name).key("connector").begin_object();
    write_state(w, s.connector);
    w.end_object().key("tasks").begin_array();
    for (auto& t : s.tasks) {
        w.begin_object().key("id").num(t.id);
        write_state(w, t);
        w.end_object();
    }
    w.end_array().key("type").str(s.type).end_object();
}

void write_config_key(json_writer& w, const config::config_key& k) {
    w.begin_object().key("name").str(k.name).key("type").str(config::type_name(k.type)).key("required").boolean(k.required());
    w.key("default_value");
    if (k.def.k == config::config_default::kind::value) {
        if (k.type == config::config_type::password) w.str(config::hidden);
        else w.str(k.def.raw);
    } else {
        w.null();
    }
    w.key("importance").str(config::importance_name(k.imp)).key("documentation").str(k.doc);
    w.key("group");
    if (k.group.empty()) w.null();
    else w.str(k.group);
    w.key("order").num(k.order).key("width").str(config::width_name(k.w));
    w.key("display_name").str(k.display_name.empty() ? k.name : k.display_name);
    w.key("dependents").string_list(k.dependents).end_object();
}

void write_config_infos(json_writer& w, const runtime::config_infos& infos) {
    w.begin_object().key("name").str(infos.name).key("error_count").num(infos.error_count);
    w.key("groups").string_list(infos.groups).key("configs").begin_array();
    for (auto& c : infos.configs) {
        w.begin_object().key("definition");
        if (c.definition) write_config_key(w, *c.definition);
        else w.null();
        auto& v = c.value;
        w.key("value").begin_object().key("name").str(v.name).key("value").opt_str(v.value);
        w.key("recommended_values").string_list(v.recommended_values).key("errors").string_list(v.errors);
        w.key("visible").boolean(v.visible).end_object().end_object();
    }
    w.end_array().end_object();
}

// Parses a JSON object of string values (numbers and booleans are accepted as their text, as
// Jackson coerces them). Nulls are reported through `nulls` when given, else rejected.
result<config::config_map> parse_string_map(const rapidjson::Value& v, std::vector<std::string>* nulls = nullptr) {
    if (!v.IsObject()) return fail(errc::invalid_argument, "Expected a JSON object of strings");
    config::config_map out;
    for (auto& m : v.GetObject()) {
        std::string k(m.name.GetString(), m.name.GetStringLength());
        auto& x = m.value;
        if (x.IsString()) out[k] = std::string(x.GetString(), x.GetStringLength());
        else if (x.IsBool()) out[k] = x.GetBool() ? "true" : "false";
        else if (x.IsInt64()) out[k] = std::to_string(x.GetInt64());
        else if (x.IsUint64()) out[k] = std::to_string(x.GetUint64());
        else if (x.IsDouble()) out[k] = fmt::format("{}", x.GetDouble());
        else if (x.IsNull() && nulls) nulls->push_back(k);
        else if (x.IsNull()) return fail(errc::invalid_argument, "Configuration value for '{}' must not be null", k);
        else return fail(errc::invalid_argument, "Configuration value for '{}' must be a string", k);
    }
    return out;
}

result<rapidjson::Document> parse_body(const httplib::Request& req) {
    rapidjson::Document d;
    d.Parse(req.body.c_str(), req.body.size());
    if (d.HasParseError())
        return fail(errc::invalid_argument, "Request body is not valid JSON: {} at offset {}",
                    rapidjson::GetParseError_En(d.GetParseError()), d.GetErrorOffset());
    return d;
}

std::string trim(std::string s) {
    while (!s.empty() && isspace((unsigned char)s.back())) s.pop_back();
    while (!s.empty() && isspace((unsigned char)s.front())) s.erase(s.begin());
    return s;
}

bool query_flag(const httplib::Request& req, const char* name) {
    if (!req.has_param(name)) return false;
    auto v = req.get_param_value(name);
    std::transform(v.begin(), v.end(), v.begin(), ::tolower);
    return v == "true";
}

std::string normalized_plugin_name(std::string s) {
    if (s.size() > 9 && s.ends_with("Connector")) s.resize(s.size() - 9);
    return s;
}

// Connector name in the path (httplib gives it URL-decoded).
std::string path_name(const httplib::Request& req, int i = 1) { return req.matches[i].str(); }

} // namespace

server::server(server_config cfg, herder& h) : _cfg(std::move(cfg)), _herder(h) {}

server::~server() { stop(); }

std::string server::url() const {
    auto host = _cfg.host.empty() || _cfg.host == "0.0.0.0" ? "127.0.0.1" : _cfg.host;
    return fmt::format("{}://{}:{}/", _cfg.tls_cert_file.empty() ? "http" : "https", host, _port);
}

void server::add_get(const std::string& pattern, handler h) { _extra_gets.emplace_back(pattern, std::move(h)); }

void server::routes() {
    auto& s = *_http;
    herder& h = _herder;
    for (auto& [pattern, fn] : _extra_gets) s.Get(pattern, fn);

    s.Get("/", [this, &h](const httplib::Request&, httplib::Response& res) {
        json_writer w;
        w.begin_object().key("version").str(_cfg.version).key("commit").str(_cfg.commit);
        w.key("kafka_cluster_id").str(h.kafka_cluster_id()).end_object();
        send_json(res, 200, w.take());
    });

    s.Get("/health", [&h](const httplib::Request&, httplib::Response& res) {
        json_writer w;
        if (h.ready()) {
            w.begin_object().key("status").str("healthy").key("message")
                .str("Worker has completed startup and is ready to handle requests.").end_object();
            send_json(res, 200, w.take());
        } else {
            w.begin_object().key("status").str("starting").key("message").str("Worker is still starting up.").end_object();
            send_json(res, 503, w.take());
        }
    });

    s.Get("/connectors", [&h](const httplib::Request& req, httplib::Response& res) {
        auto names = h.connectors();
        bool status = false, info = false;
        for (size_t i = 0; i < req.get_param_value_count("expand"); i++) {
            auto v = req.get_param_value("expand", i);
            if (v == "status") status = true;
            if (v == "info") info = true;
        }
        json_writer w;
        if (!status && !info) {
            w.string_list(names);
            return send_json(res, 200, w.take());
        }
        w.begin_object();
        for (auto& n : names) {
            w.key(n).begin_object();
            if (status) {
                if (auto st = h.connector_status(n)) {
                    w.key("status");
                    write_status(w, *st);
                }
            }
            if (info) {
                if (auto ci = h.connector(n)) {
                    w.key("info");
                    write_connector_info(w, *ci);
                }
            }
            w.end_object();
        }
        w.end_object();
        send_json(res, 200, w.take());
    });

    s.Post("/connectors", [&h](const httplib::Request& req, httplib::Response& res) {
        auto body = parse_body(req);
        if (!body) return send_error(res, body.error());
        auto& d = *body;
        if (!d.IsObject()) return send_error(res, 400, "Request body must be a JSON object");
        std::string name;
        if (d.HasMember("name") && d["name"].IsString()) name = trim(d["name"].GetString());
        if (!d.HasMember("config") || !d["config"].IsObject())
            return send_error(res, 400, "Connector config is required (field 'config')");
        auto cfg = parse_string_map(d["config"]);
        if (!cfg) return send_error(res, cfg.error());
        if (name.empty()) {
            if (auto it = cfg->find("name"); it != cfg->end()) name = trim(it->second);
        }
        if (name.empty()) return send_error(res, 400, "Connector name must not be empty");
        if (auto it = cfg->find("name"); it != cfg->end() && it->second != name)
            return send_error(res, 400, fmt::format("Connector name configuration ({}) doesn't match connector name in "
                                                    "the URL ({})",
                                                    it->second, name));
        (*cfg)["name"] = name;
        std::optional<runtime::target_state> initial;
        if (d.HasMember("initial_state") && !d["initial_state"].IsNull()) {
            if (!d["initial_state"].IsString()) return send_error(res, 400, "initial_state must be a string");
            std::string st = d["initial_state"].GetString();
            std::transform(st.begin(), st.end(), st.begin(), ::toupper);
            if (st == "RUNNING") initial = runtime::target_state::started;
            else if (st == "PAUSED") initial = runtime::target_state::paused;
            else if (st == "STOPPED") initial = runtime::target_state::stopped;
            else return send_error(res, 400, fmt::format("Invalid initial state: {}", st));
        }
        auto r = h.put_connector_config(name, *cfg, false, initial);
        if (!r) return send_error(res, r.error());
        json_writer w;
        write_connector_info(w, r->info);
        res.set_header("Location", "/connectors/" + name);
        send_json(res, 201, w.take());
    });

    s.Get(R"(/connectors/([^/]+))", [&h](const httplib::Request& req, httplib::Response& res) {
        auto r = h.connector(path_name(req));
        if (!r) return send_error(res, r.error());
        json_writer w;
        write_connector_info(w, *r);
        send_json(res, 200, w.take());
    });

    s.Delete(R"(/connectors/([^/]+))", [&h](const httplib::Request& req, httplib::Response& res) {
        auto r = h.delete_connector(path_name(req));
        if (!r) return send_error(res, r.error());
        res.status = 204;
    });

    s.Get(R"(/connectors/([^/]+)/config)", [&h](const httplib::Request& req, httplib::Response& res) {
        auto r = h.connector_config(path_name(req));
        if (!r) return send_error(res, r.error());
        json_writer w;
        w.string_map(*r);
        send_json(res, 200, w.take());
    });

    s.Put(R"(/connectors/([^/]+)/config)", [&h](const httplib::Request& req, httplib::Response& res) {
        auto name = path_name(req);
        auto body = parse_body(req);
        if (!body) return send_error(res, body.error());
        auto cfg = parse_string_map(*body);
        if (!cfg) return send_error(res, cfg.error());
        if (auto it = cfg->find("name"); it != cfg->end() && it->second != name)
            return send_error(res, 400, fmt::format("Connector name configuration ({}) doesn't match connector name in "
                                                    "the URL ({})",
                                                    it->second, name));
        (*cfg)["name"] = name;
        auto r = h.put_connector_config(name, *cfg, true, std::nullopt);
        if (!r) return send_error(res, r.error());
        json_writer w;
        write_connector_info(w, r->info);
        if (r->created) res.set_header("Location", "/connectors/" + name);
        send_json(res, r->created ? 201 : 200, w.take());
    });

    s.Patch(R"(/connectors/([^/]+)/config)", [&h](const httplib::Request& req, httplib::Response& res) {
        auto name = path_name(req);
        auto body = parse_body(req);
        if (!body) return send_error(res, body.error());
        std::vector<std::string> nulls;
        auto cfg = parse_string_map(*body, &nulls);
        if (!cfg) return send_error(res, cfg.error());
        if (auto it = cfg->find("name"); it != cfg->end() && it->second != name)
            return send_error(res, 400, fmt::format("Connector name configuration ({}) doesn't match connector name in "
                                                    "the URL ({})",
                                                    it->second, name));
        std::map<std::string, std::optional<std::string>> patch;
        for (auto& [k, v] : *cfg) patch[k] = v;
        for (auto& k : nulls) patch[k] = std::nullopt;
        auto r = h.patch_connector_config(name, patch);
        if (!r) return send_error(res, r.error());
        json_writer w;
        write_connector_info(w, *r);
        send_json(res, 200, w.take());
    });

    s.Get(R"(/connectors/([^/]+)/status)", [&h](const httplib::Request& req, httplib::Response& res) {
        auto r = h.connector_status(path_name(req));
        if (!r) return send_error(res, r.error());
        json_writer w;
        write_status(w, *r);
        send_json(res, 200, w.take());
    });

    s.Get(R"(/connectors/([^/]+)/tasks)", [&h](const httplib::Request& req, httplib::Response& res) {
        auto r = h.task_configs(path_name(req));
        if (!r) return send_error(res, r.error());
        json_writer w;
        w.begin_array();
        for (auto& t : *r) {
            w.begin_object().key("id").begin_object().key("connector").str(t.id.connector).key("task").num(t.id.task);
            w.end_object().key("config").string_map(t.config).end_object();
        }
        w.end_array();
        send_json(res, 200, w.take());
    });

    s.Get(R"(/connectors/([^/]+)/tasks-config)", [&h](const httplib::Request& req, httplib::Response& res) {
        auto r = h.task_configs(path_name(req));
        if (!r) return send_error(res, r.error());
        json_writer w;
        w.begin_object();
        for (auto& t : *r) w.key(t.id.to_string()).string_map(t.config);
        w.end_object();
        send_json(res, 200, w.take());
    });

    s.Get(R"(/connectors/([^/]+)/tasks/(-?\d+)/status)", [&h](const httplib::Request& req, httplib::Response& res) {
        runtime::task_id id{path_name(req), std::atoi(req.matches[2].str().c_str())};
        auto r = h.task_status(id);
        if (!r) return send_error(res, r.error());
        json_writer w;
        w.begin_object().key("id").num(r->id);
        write_state(w, *r);
        w.end_object();
        send_json(res, 200, w.take());
    });

    s.Post(R"(/connectors/([^/]+)/restart)", [&h](const httplib::Request& req, httplib::Response& res) {
        auto name = path_name(req);
        bool include_tasks = query_flag(req, "includeTasks");
        bool only_failed = query_flag(req, "onlyFailed");
        if (!include_tasks && !only_failed) {
            auto r = h.restart_connector(name);
            if (!r) return send_error(res, r.error());
            res.status = 204;
            return;
        }
        auto r = h.restart_connector_and_tasks(name, include_tasks, only_failed);
        if (!r) return send_error(res, r.error());
        json_writer w;
        write_status(w, *r);
        send_json(res, 202, w.take());
    });

    s.Post(R"(/connectors/([^/]+)/tasks/(-?\d+)/restart)", [&h](const httplib::Request& req, httplib::Response& res) {
        runtime::task_id id{path_name(req), std::atoi(req.matches[2].str().c_str())};
        auto r = h.restart_task(id);
        if (!r) return send_error(res, r.error());
        res.status = 204;
    });

    s.Put(R"(/connectors/([^/]+)/pause)", [&h](const httplib::Request& req, httplib::Response& res) {
        auto r = h.pause_connector(path_name(req));
        if (!r) return send_error(res, r.error());
        res.status = 202;
    });
    s.Put(R"(/connectors/([^/]+)/resume)", [&h](const httplib::Request& req, httplib::Response& res) {
        auto r = h.resume_connector(path_name(req));
        if (!r) return send_error(res, r.error());
        res.status = 202;
    });
    s.Put(R"(/connectors/([^/]+)/stop)", [&h](const httplib::Request& req, httplib::Response& res) {
        auto r = h.stop_connector(path_name(req));
        if (!r) return send_error(res, r.error());
        res.status = 204;
    });

    s.Get(R"(/connectors/([^/]+)/offsets)", [&h](const httplib::Request& req, httplib::Response& res) {
        auto r = h.connector_offsets(path_name(req));
        if (!r) return send_error(res, r.error());
        json_writer w;
        w.begin_object().key("offsets").begin_array();
        for (auto& o : *r) {
            w.begin_object().key("partition");
            write_value(w, o.partition);
            w.key("offset");
            write_value(w, o.offset);
            w.end_object();
        }
        w.end_array().end_object();
        send_json(res, 200, w.take());
    });

    s.Patch(R"(/connectors/([^/]+)/offsets)", [&h](const httplib::Request& req, httplib::Response& res) {
        auto body = parse_body(req);
        if (!body) return send_error(res, body.error());
        auto& d = *body;
        if (!d.IsObject() || !d.HasMember("offsets") || !d["offsets"].IsArray() || d["offsets"].Empty())
            return send_error(res, 400, "The offsets to be altered must be provided in the request body and may not be "
                                        "empty");
        std::vector<runtime::connector_offset> offsets;
        for (auto& e : d["offsets"].GetArray()) {
            if (!e.IsObject() || !e.HasMember("partition"))
                return send_error(res, 400, "Each entry must have a 'partition' and an 'offset'");
            runtime::connector_offset o;
            o.partition = read_value(e["partition"]);
            o.offset = e.HasMember("offset") ? read_value(e["offset"]) : value();
            offsets.push_back(std::move(o));
        }
        auto r = h.alter_connector_offsets(path_name(req), offsets);
        if (!r) return send_error(res, r.error());
        json_writer w;
        w.begin_object().key("message").str(*r).end_object();
        send_json(res, 200, w.take());
    });

    s.Delete(R"(/connectors/([^/]+)/offsets)", [&h](const httplib::Request& req, httplib::Response& res) {
        auto r = h.reset_connector_offsets(path_name(req));
        if (!r) return send_error(res, r.error());
        json_writer w;
        w.begin_object().key("message").str(*r).end_object();
        send_json(res, 200, w.take());
    });

    s.Get("/connector-plugins", [&h](const httplib::Request& req, httplib::Response& res) {
        bool connectors_only = true;
        if (req.has_param("connectorsOnly")) {
            auto v = req.get_param_value("connectorsOnly");
            connectors_only = !(v == "false" || v == "False" || v == "FALSE");
        }
        std::vector<plugin_type> types = {plugin_type::sink, plugin_type::source};
        if (!connectors_only)
            for (auto t : {plugin_type::transformation, plugin_type::predicate, plugin_type::converter,
                           plugin_type::header_converter})
                types.push_back(t);
        json_writer w;
        w.begin_array();
        for (auto t : types)
            for (auto* p : h.plugins().list(t)) {
                w.begin_object().key("class").str(p->class_name).key("type").str(plugin_type_name(t));
                if (!p->version.empty()) w.key("version").str(p->version);
                w.end_object();
            }
        w.end_array();
        send_json(res, 200, w.take());
    });

    s.Get(R"(/connector-plugins/([^/]+)/config)", [&h](const httplib::Request& req, httplib::Response& res) {
        auto name = path_name(req);
        const plugin_info* p = nullptr;
        for (auto t : {plugin_type::source, plugin_type::sink, plugin_type::transformation, plugin_type::predicate,
                       plugin_type::converter, plugin_type::header_converter})
            if (!p) p = h.plugins().find(name, t);
        if (!p) return send_error(res, 404, fmt::format("Unknown plugin {}.", name));
        json_writer w;
        w.begin_array();
        for (auto& k : p->config_def().keys())
            if (!k.internal) write_config_key(w, k);
        w.end_array();
        send_json(res, 200, w.take());
    });

    s.Put(R"(/connector-plugins/([^/]+)/config/validate)", [&h](const httplib::Request& req, httplib::Response& res) {
        auto type = path_name(req);
        auto body = parse_body(req);
        if (!body) return send_error(res, body.error());
        auto cfg = parse_string_map(*body);
        if (!cfg) return send_error(res, cfg.error());
        if (auto it = cfg->find("connector.class"); it != cfg->end()) {
            if (!normalized_plugin_name(it->second).ends_with(normalized_plugin_name(type)))
                return send_error(res, 400, fmt::format("Included connector type {} does not match request type {}",
                                                        it->second, type));
        }
        auto r = h.validate_connector_config(*cfg);
        if (!r) return send_error(res, r.error());
        json_writer w;
        write_config_infos(w, *r);
        send_json(res, 200, w.take());
    });

    if (_cfg.admin_enabled) {
        s.Get("/admin/loggers", [](const httplib::Request&, httplib::Response& res) {
            json_writer w;
            w.begin_object();
            for (auto& [name, info] : log::levels()) {
                w.key(name).begin_object().key("level").str(info.level).key("last_modified");
                if (info.last_modified) w.num(*info.last_modified);
                else w.null();
                w.end_object();
            }
            w.end_object();
            send_json(res, 200, w.take());
        });
        s.Get(R"(/admin/loggers/(.+))", [](const httplib::Request& req, httplib::Response& res) {
            auto info = log::level_of(path_name(req));
            if (!info) return send_error(res, 404, fmt::format("Logger {} not found.", path_name(req)));
            json_writer w;
            w.begin_object().key("level").str(info->level).key("last_modified");
            if (info->last_modified) w.num(*info->last_modified);
            else w.null();
            w.end_object();
            send_json(res, 200, w.take());
        });
        s.Put(R"(/admin/loggers/(.+))", [](const httplib::Request& req, httplib::Response& res) {
            auto body = parse_body(req);
            if (!body) return send_error(res, body.error());
            auto& d = *body;
            if (!d.IsObject() || !d.HasMember("level") || !d["level"].IsString())
                return send_error(res, 400, "The request body must specify a log level");
            auto scope = req.has_param("scope") ? req.get_param_value("scope") : "worker";
            auto changed = log::set_level(path_name(req), d["level"].GetString());
            if (!changed) return send_error(res, 404, fmt::format("invalid log level '{}'.", d["level"].GetString()));
            if (scope == "cluster") {
                res.status = 204;
                return;
            }
            json_writer w;
            w.string_list(*changed);
            send_json(res, 200, w.take());
        });
    }

    s.set_error_handler([](const httplib::Request&, httplib::Response& res) {
        if (res.body.empty()) {
            auto msg = res.status == 404 ? "HTTP 404 Not Found" : res.status == 405 ? "HTTP 405 Method Not Allowed"
                                                                                    : "HTTP error";
            res.set_content(error_body(res.status, msg), json_type);
        }
    });
    s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string msg = "Internal error";
        try {
            std::rethrow_exception(ep);
        } catch (const std::exception& e) {
            msg = e.what();
        }
        logger()->error("Uncaught exception in REST call: {}", msg);
        send_error(res, 500, msg);
    });
    if (!_cfg.cors_origin.empty()) {
        auto origin = _cfg.cors_origin, methods = _cfg.cors_methods;
        s.set_post_routing_handler([origin, methods](const httplib::Request&, httplib::Response& res) {
            res.set_header("Access-Control-Allow-Origin", origin);
            if (!methods.empty()) res.set_header("Access-Control-Allow-Methods", methods);
        });
        s.Options(R"(.*)", [](const httplib::Request&, httplib::Response& res) { res.status = 204; });
    }
    if (!_cfg.basic_auth.empty()) {
        auto users = _cfg.basic_auth;
        s.set_pre_routing_handler([users](const httplib::Request& req, httplib::Response& res) {
            auto h = req.get_header_value("Authorization");
            if (h.rfind("Basic ", 0) == 0) {
                auto decoded = base64_decode(h.substr(6)).value_or("");
                auto colon = decoded.find(':');
                if (colon != std::string::npos) {
                    auto it = users.find(decoded.substr(0, colon));
                    if (it != users.end() && it->second == decoded.substr(colon + 1))
                        return httplib::Server::HandlerResponse::Unhandled;
                }
            }
            res.set_header("WWW-Authenticate", "Basic realm=\"Ferry\"");
            send_error(res, 401, "Unauthorized");
            return httplib::Server::HandlerResponse::Handled;
        });
    }
}

result<> server::start() {
    if (_cfg.tls_cert_file.empty()) {
        _http = std::make_unique<httplib::Server>();
    } else {
        _http = std::make_unique<httplib::SSLServer>(_cfg.tls_cert_file.c_str(), _cfg.tls_key_file.c_str());
        if (!_http->is_valid()) return fail(errc::invalid_argument, "cannot load TLS certificate/key for the REST listener");
    }
    routes();
    auto host = _cfg.host.empty() ? std::string("0.0.0.0") : _cfg.host;
    if (_cfg.port == 0) {
        _port = _http->bind_to_any_port(host);
    } else {
        _port = _http->bind_to_port(host, _cfg.port) ? _cfg.port : -1;
    }
    if (_port <= 0) return fail(errc::io, "cannot bind the REST listener to {}:{}", host, _cfg.port);
    _thread = std::thread([this] { _http->listen_after_bind(); });
    // stop() is a no-op until the listen loop runs; wait for it so that an early stop cannot be lost.
    for (int i = 0; i < 5000 && !_http->is_running(); i++) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    logger()->info("REST server listening on {}", url());
    return {};
}

void server::stop() {
    if (_http) _http->stop();
    if (_thread.joinable()) _thread.join();
}

} // namespace ferry::rest
