#include "rest/server.hpp"

#include "ferry/data/base64.hpp"
#include "base/log.hpp"
#include "rest/json_writer.hpp"
#include "rest/value_json.hpp"
#include "runtime/connector_config.hpp"

#include "config/properties.hpp"

#include <fmt/format.h>
#include <httplib.h>
#include <openssl/pkcs12.h>
#include <openssl/ssl.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>

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
    case errc::forbidden: return 403;
    case errc::not_found: return 404;
    case errc::not_leader: // unless forwarded (see forward_to_leader): the request cannot be served here

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
// A request that another worker must serve (errc::not_leader, the message is that worker's URL)
// is marked with this header; server::route forwards it and the header never leaves the worker.
constexpr const char* forward_header = "X-Ferry-Forward-To";

void send_error(httplib::Response& res, const error& e) {
    if (e.kind == errc::not_leader) {
        res.status = 409;
        res.set_header(forward_header, e.message);
        res.set_content(error_body(409, "Cannot complete request because of a conflicting operation (e.g. worker rebalance)"),
                        json_type);
        return;
    }
    send_error(res, status_of(e), e.message);
}

// Forwards a request to the worker at `target` as Kafka Connect does (HerderRequestHandler): same
// method, path, query and body, plus forward=true on the first hop (that worker may forward once
// more, e.g. a task restart that reaches the leader for a task another worker runs) and
// forward=false on the second; a request that arrives with forward=false and still cannot be served
// answers 409 - two hops should always reach the right worker unless a rebalance moved things.
// Only the Authorization header travels with it. The answer is relayed as it is.
void forward_request(const httplib::Request& req, httplib::Response& res, const std::string& target,
                     const runtime::rest_client_tls& tls) {
    res.headers.erase(forward_header);
    auto fwd = req.get_param_value("forward");
    if (fwd == "false") return; // the 409 already in res
    bool recursive = !req.has_param("forward");
    std::string base = target;
    while (!base.empty() && base.back() == '/') base.pop_back();
    std::string query;
    for (auto& [k, v] : req.params) {
        if (k == "forward") continue;
        query += (query.empty() ? "?" : "&") + httplib::detail::encode_query_param(k) + "=" +
                 httplib::detail::encode_query_param(v);
    }
    query += (query.empty() ? "?" : "&") + std::string("forward=") + (recursive ? "true" : "false");
    auto client = runtime::make_rest_client(base, tls);
    auto& cli = *client;
    httplib::Headers headers;
    if (req.has_header("Authorization")) headers.emplace("Authorization", req.get_header_value("Authorization"));
    auto path = req.path + query;
    auto type = req.get_header_value("Content-Type");
    if (type.empty()) type = json_type;
    httplib::Result r = req.method == "GET"    ? cli.Get(path, headers)
                        : req.method == "POST" ? cli.Post(path, headers, req.body, type)
                        : req.method == "PUT"  ? cli.Put(path, headers, req.body, type)
                        : req.method == "PATCH" ? cli.Patch(path, headers, req.body, type)
                                                : cli.Delete(path, headers, req.body, type);
    if (!r) {
        logger()->warn("Could not forward {} {} to {}: {}", req.method, req.path, base, httplib::to_string(r.error()));
        send_error(res, 500, fmt::format("IO Error trying to forward REST request: {}", httplib::to_string(r.error())));
        return;
    }
    res.status = r->status;
    res.headers.erase("Content-Type");
    if (r->has_header("Location")) res.set_header("Location", r->get_header_value("Location"));
    res.set_content(r->body, r->has_header("Content-Type") ? r->get_header_value("Content-Type") : json_type);
}
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
    w.key("width").str(config::width_name(k.w));
    w.key("display_name").str(k.display_name.empty() ? k.name : k.display_name);
    // Jackson writes "order" last: ConfigKeyInfo's creator names it "order_in_group", so the
    // getter's "order" is not a creator property and follows all of them.
    w.key("dependents").string_list(k.dependents).key("order").num(k.order).end_object();
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

// Jackson's coercion of a JSON object into Map<String, String>: strings as they are, numbers as
// their literal text (the body is parsed with kParseNumbersAsStringsFlag), booleans as
// "true"/"false". Null values are collected in `nulls` when given, else rejected.
result<config::config_map> parse_string_map(const rapidjson::Value& v, std::vector<std::string>* nulls = nullptr) {
    if (!v.IsObject()) return fail(errc::invalid_argument, "Expected a JSON object of strings");
    config::config_map out;
    for (auto& m : v.GetObject()) {
        std::string k(m.name.GetString(), m.name.GetStringLength());
        auto& x = m.value;
        if (x.IsString()) out[k] = std::string(x.GetString(), x.GetStringLength());
        else if (x.IsBool()) out[k] = x.GetBool() ? "true" : "false";
        else if (x.IsNull() && nulls) nulls->push_back(k);
        else if (x.IsNull()) return fail(errc::invalid_argument, "Configuration value for '{}' must not be null", k);
        else return fail(errc::invalid_argument, "Configuration value for '{}' must be a string", k);
    }
    return out;
}

// Config maps keep numbers as their literal text ("tasks.max": 1.50 stays "1.50", as Jackson
// does); other bodies (offsets) parse numbers as numbers.
enum class numbers { as_text, as_numbers };

result<rapidjson::Document> parse_body(const httplib::Request& req, numbers n = numbers::as_numbers) {
    rapidjson::Document d;
    if (n == numbers::as_text)
        d.Parse<rapidjson::kParseNumbersAsStringsFlag>(req.body.c_str(), req.body.size());
    else
        d.Parse(req.body.c_str(), req.body.size());
    if (d.HasParseError()) {
        if (req.body.find_first_not_of(" \t\r\n") == std::string::npos)
            return fail(errc::invalid_argument, "Request body is empty; a JSON document is required");
        return fail(errc::invalid_argument, "Request body is not valid JSON: {} at offset {}",
                    rapidjson::GetParseError_En(d.GetParseError()), d.GetErrorOffset());
    }
    return d;
}

// The message Connect's validation gives for null values (AbstractHerder), in the 400 body of a
// create or update.
std::string null_values_message(size_t n) {
    std::string msg = fmt::format("Connector configuration is invalid and contains the following {} error(s):", n);
    for (size_t i = 0; i < n; i++) msg += "\nNull value can not be supplied as the configuration value.";
    msg += "\nYou can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/"
           "validate`";
    return msg;
}

std::string trim(std::string s) {
    while (!s.empty() && isspace((unsigned char)s.back())) s.pop_back();
    while (!s.empty() && isspace((unsigned char)s.front())) s.erase(s.begin());
    return s;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return s;
}

// Jersey's Boolean query parameters: "true" in any case is true, anything else false.
bool query_flag(const httplib::Request& req, const char* name, bool dflt = false) {
    if (!req.has_param(name)) return dflt;
    return lower(req.get_param_value(name)) == "true";
}

std::string normalized_plugin_name(std::string s) {
    if (s.size() > 9 && s.ends_with("Connector")) s.resize(s.size() - 9);
    return s;
}

// Connector name in the path (httplib gives it URL-decoded).
std::string path_name(const httplib::Request& req, int i = 1) { return req.matches[i].str(); }

// A path segment as JAX-RS's UriBuilder.path() encodes it.
std::string encode_segment(std::string_view s) {
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || std::strchr("-._~!$&'()*+,;=:@", c)) out += char(c);
        else out += fmt::format("%{:02X}", c);
    }
    return out;
}

// Jersey makes the Location of a 201 absolute, against the base URI the request came in on.
std::string location(const httplib::Request& req, bool tls, const std::string& name) {
    auto host = req.get_header_value("Host");
    auto path = "/connectors/" + encode_segment(name);
    if (host.empty()) return path;
    return fmt::format("{}://{}{}", tls ? "https" : "http", host, path);
}

std::optional<std::string> name_mismatch(const config::config_map& cfg, const std::string& name) {
    auto it = cfg.find("name");
    if (it == cfg.end() || it->second == name) return std::nullopt;
    return fmt::format("Connector name configuration ({}) doesn't match connector name in the URL ({})", it->second,
                       name);
}

void write_offsets(json_writer& w, const std::vector<runtime::connector_offset>& offsets) {
    w.begin_object().key("offsets").begin_array();
    for (auto& o : offsets) {
        w.begin_object().key("partition");
        write_value(w, o.partition);
        w.key("offset");
        write_value(w, o.offset);
        w.end_object();
    }
    w.end_array().end_object();
}

void write_message(json_writer& w, std::string_view message) {
    w.begin_object().key("message").str(message).end_object();
}

} // namespace

server::server(server_config cfg, herder& h) : _cfg(std::move(cfg)), _herder(h) {}

server::~server() { stop(); }

std::string server::url() const {
    auto host = _cfg.host.empty() || _cfg.host == "0.0.0.0" ? "127.0.0.1" : _cfg.host;
    return fmt::format("{}://{}:{}/", _cfg.tls_cert_file.empty() ? "http" : "https", host, _port);
}

void server::add_get(const std::string& pattern, handler h) { _extra_gets.emplace_back(pattern, std::move(h)); }

void server::route(const char* method, const std::string& pattern, handler fn) {
    // Jersey matches a path with or without a trailing slash (curl .../connectors/ is common).
    auto p = pattern == "/" ? pattern : pattern + "/?";
    _routes.emplace_back(method, std::regex(p));
    fn = [this, inner = std::move(fn)](const httplib::Request& req, httplib::Response& res) {
        inner(req, res);
        if (res.has_header(forward_header))
            forward_request(req, res, res.get_header_value(forward_header), _cfg.client_tls);
    };
    auto& s = *_http;
    std::string_view m = method;
    if (m == "GET") s.Get(p, std::move(fn));
    else if (m == "POST") s.Post(p, std::move(fn));
    else if (m == "PUT") s.Put(p, std::move(fn));
    else if (m == "PATCH") s.Patch(p, std::move(fn));
    else if (m == "DELETE") s.Delete(p, std::move(fn));
}

bool server::path_known(const std::string& path) const {
    for (auto& [_, re] : _routes)
        if (std::regex_match(path, re)) return true;
    return false;
}

void server::routes() {
    auto& s = *_http;
    herder& h = _herder;
    const bool tls = !_cfg.tls_cert_file.empty();
    for (auto& [pattern, fn] : _extra_gets) {
        _routes.emplace_back("GET", std::regex(pattern));
        s.Get(pattern, fn);
    }

    route("GET", "/", [this, &h](const httplib::Request&, httplib::Response& res) {
        json_writer w;
        w.begin_object().key("version").str(_cfg.version).key("commit").str(_cfg.commit);
        w.key("kafka_cluster_id").str(h.kafka_cluster_id()).end_object();
        send_json(res, 200, w.take());
    });

    route("GET", "/health", [&h](const httplib::Request&, httplib::Response& res) {
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

    route("GET", "/connectors", [&h](const httplib::Request& req, httplib::Response& res) {
        auto names = h.connectors();
        json_writer w;
        if (!req.has_param("expand")) {
            w.string_list(names);
            return send_json(res, 200, w.take());
        }
        // Java fills a HashMap per connector in the order the expansions are asked for ("info" and
        // "status" share a bucket, so that order is what it iterates); unknown ones are ignored and
        // a connector that disappears meanwhile is left out.
        std::vector<std::string> expansions;
        for (size_t i = 0; i < req.get_param_value_count("expand"); i++) {
            auto v = req.get_param_value("expand", i);
            if ((v == "status" || v == "info") && std::find(expansions.begin(), expansions.end(), v) == expansions.end())
                expansions.push_back(v);
        }
        w.begin_object();
        for (auto& n : names) {
            std::optional<runtime::connector_state_info> st;
            std::optional<runtime::connector_info> ci;
            bool gone = false;
            for (auto& e : expansions) {
                if (e == "status") {
                    auto r = h.connector_status(n);
                    if (r) st = std::move(*r);
                    else gone = true;
                } else {
                    auto r = h.connector(n);
                    if (r) ci = std::move(*r);
                    else gone = true;
                }
            }
            if (gone) continue;
            w.key(n).begin_object();
            for (auto& e : expansions) {
                if (e == "status") {
                    w.key("status");
                    write_status(w, *st);
                } else {
                    w.key("info");
                    write_connector_info(w, *ci);
                }
            }
            w.end_object();
        }
        w.end_object();
        send_json(res, 200, w.take());
    });

    route("POST", "/connectors", [&h, tls](const httplib::Request& req, httplib::Response& res) {
        auto body = parse_body(req, numbers::as_text);
        if (!body) return send_error(res, body.error());
        auto& d = *body;
        if (!d.IsObject()) return send_error(res, 400, "Request body must be a JSON object");
        // CreateConnectorRequest: the name is the top-level "name" only (trimmed; missing = "").
        std::string name;
        if (d.HasMember("name") && !d["name"].IsNull()) {
            auto& n = d["name"];
            if (n.IsString()) name = trim(std::string(n.GetString(), n.GetStringLength()));
            else if (n.IsBool()) name = n.GetBool() ? "true" : "false";
            else return send_error(res, 400, "Connector name must be a string");
        }
        if (!d.HasMember("config") || !d["config"].IsObject())
            return send_error(res, 400, "Connector config is required: the request body must have a 'config' object");
        std::vector<std::string> nulls;
        auto cfg = parse_string_map(d["config"], &nulls);
        if (!cfg) return send_error(res, cfg.error());
        if (auto msg = name_mismatch(*cfg, name)) return send_error(res, 400, *msg);
        (*cfg)["name"] = name;
        std::optional<runtime::target_state> initial;
        if (d.HasMember("initial_state") && !d["initial_state"].IsNull()) {
            if (!d["initial_state"].IsString()) return send_error(res, 400, "initial_state must be a string");
            std::string st = d["initial_state"].GetString();
            std::transform(st.begin(), st.end(), st.begin(), ::toupper);
            if (st == "RUNNING") initial = runtime::target_state::started;
            else if (st == "PAUSED") initial = runtime::target_state::paused;
            else if (st == "STOPPED") initial = runtime::target_state::stopped;
            else return send_error(res, 400, fmt::format("Unknown initial state: {}", d["initial_state"].GetString()));
        }
        if (!nulls.empty()) return send_error(res, 400, null_values_message(nulls.size()));
        auto r = h.put_connector_config(name, *cfg, false, initial);
        if (!r) return send_error(res, r.error());
        json_writer w;
        write_connector_info(w, r->info);
        res.set_header("Location", location(req, tls, name));
        send_json(res, 201, w.take());
    });

    route("GET", R"(/connectors/([^/]+))", [&h](const httplib::Request& req, httplib::Response& res) {
        auto r = h.connector(path_name(req));
        if (!r) return send_error(res, r.error());
        json_writer w;
        write_connector_info(w, *r);
        send_json(res, 200, w.take());
    });

    route("DELETE", R"(/connectors/([^/]+))", [&h](const httplib::Request& req, httplib::Response& res) {
        auto r = h.delete_connector(path_name(req));
        if (!r) return send_error(res, r.error());
        res.status = 204;
    });

    route("GET", R"(/connectors/([^/]+)/config)", [&h](const httplib::Request& req, httplib::Response& res) {
        auto r = h.connector_config(path_name(req));
        if (!r) return send_error(res, r.error());
        json_writer w;
        w.string_map(*r);
        send_json(res, 200, w.take());
    });

    route("PUT", R"(/connectors/([^/]+)/config)", [&h, tls](const httplib::Request& req, httplib::Response& res) {
        auto name = path_name(req);
        auto body = parse_body(req, numbers::as_text);
        if (!body) return send_error(res, body.error());
        std::vector<std::string> nulls;
        auto cfg = parse_string_map(*body, &nulls);
        if (!cfg) return send_error(res, cfg.error());
        if (auto msg = name_mismatch(*cfg, name)) return send_error(res, 400, *msg);
        (*cfg)["name"] = name;
        if (!nulls.empty()) return send_error(res, 400, null_values_message(nulls.size()));
        auto r = h.put_connector_config(name, *cfg, true, std::nullopt);
        if (!r) return send_error(res, r.error());
        json_writer w;
        write_connector_info(w, r->info);
        if (r->created) res.set_header("Location", location(req, tls, name));
        send_json(res, r->created ? 201 : 200, w.take());
    });

    route("PATCH", R"(/connectors/([^/]+)/config)", [&h](const httplib::Request& req, httplib::Response& res) {
        auto name = path_name(req);
        auto body = parse_body(req, numbers::as_text);
        if (!body) return send_error(res, body.error());
        std::vector<std::string> nulls;
        auto cfg = parse_string_map(*body, &nulls);
        if (!cfg) return send_error(res, cfg.error());
        if (auto msg = name_mismatch(*cfg, name)) return send_error(res, 400, *msg);
        std::map<std::string, std::optional<std::string>> patch;
        for (auto& [k, v] : *cfg) patch[k] = v;
        for (auto& k : nulls) patch[k] = std::nullopt;
        auto r = h.patch_connector_config(name, patch);
        if (!r) return send_error(res, r.error());
        json_writer w;
        write_connector_info(w, *r);
        send_json(res, 200, w.take());
    });

    route("GET", R"(/connectors/([^/]+)/status)", [&h](const httplib::Request& req, httplib::Response& res) {
        auto r = h.connector_status(path_name(req));
        if (!r) return send_error(res, r.error());
        json_writer w;
        write_status(w, *r);
        send_json(res, 200, w.take());
    });

    route("GET", R"(/connectors/([^/]+)/tasks)", [&h](const httplib::Request& req, httplib::Response& res) {
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

    // Internal (distributed mode): a worker hands the leader the task configs its connector generated;
    // the body is signed with the session key (X-Connect-Authorization). 204 when written.
    route("POST", R"(/connectors/([^/]+)/tasks)", [&h](const httplib::Request& req, httplib::Response& res) {
        auto body = parse_body(req, numbers::as_text);
        if (!body) return send_error(res, body.error());
        if (!body->IsArray()) return send_error(res, 400, "Expected a JSON array of task configurations");
        std::vector<config::config_map> configs;
        for (auto& t : body->GetArray()) {
            auto cfg = parse_string_map(t);
            if (!cfg) return send_error(res, cfg.error());
            configs.push_back(std::move(*cfg));
        }
        auto header = [&](const char* name) -> std::optional<std::string> {
            if (!req.has_header(name)) return std::nullopt;
            return req.get_header_value(name);
        };
        auto r = h.accept_task_configs(path_name(req), configs, req.body, header("X-Connect-Authorization"),
                                       header("X-Connect-Request-Signature-Algorithm"));
        if (!r) return send_error(res, r.error());
        res.status = 204;
    });

    route("GET", R"(/connectors/([^/]+)/tasks-config)", [&h](const httplib::Request& req, httplib::Response& res) {
        auto r = h.task_configs(path_name(req));
        if (!r) return send_error(res, r.error());
        logger()->warn("The 'GET /connectors/{{connector}}/tasks-config' endpoint is deprecated and will be removed in "
                       "the next major release. Please use the 'GET /connectors/{{connector}}/tasks' endpoint instead.");
        json_writer w;
        w.begin_object();
        for (auto& t : *r) w.key(t.id.to_string()).string_map(t.config);
        w.end_object();
        send_json(res, 200, w.take());
    });

    route("GET", R"(/connectors/([^/]+)/tasks/(-?\d+)/status)", [&h](const httplib::Request& req, httplib::Response& res) {
        runtime::task_id id{path_name(req), std::atoi(req.matches[2].str().c_str())};
        auto r = h.task_status(id);
        if (!r) return send_error(res, r.error());
        json_writer w;
        w.begin_object().key("id").num(r->id);
        write_state(w, *r);
        w.end_object();
        send_json(res, 200, w.take());
    });

    route("POST", R"(/connectors/([^/]+)/restart)", [&h](const httplib::Request& req, httplib::Response& res) {
        auto name = path_name(req);
        bool include_tasks = query_flag(req, "includeTasks");
        bool only_failed = query_flag(req, "onlyFailed");
        if (!include_tasks && !only_failed) {
            // The pre-KIP-745 behaviour: the connector instance only, synchronously, no body.
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

    route("POST", R"(/connectors/([^/]+)/tasks/(-?\d+)/restart)", [&h](const httplib::Request& req, httplib::Response& res) {
        runtime::task_id id{path_name(req), std::atoi(req.matches[2].str().c_str())};
        auto r = h.restart_task(id);
        if (!r) return send_error(res, r.error());
        res.status = 204;
    });

    route("PUT", R"(/connectors/([^/]+)/pause)", [&h](const httplib::Request& req, httplib::Response& res) {
        auto r = h.pause_connector(path_name(req));
        if (!r) return send_error(res, r.error());
        res.status = 202;
    });
    route("PUT", R"(/connectors/([^/]+)/resume)", [&h](const httplib::Request& req, httplib::Response& res) {
        auto r = h.resume_connector(path_name(req));
        if (!r) return send_error(res, r.error());
        res.status = 202;
    });
    route("PUT", R"(/connectors/([^/]+)/stop)", [&h](const httplib::Request& req, httplib::Response& res) {
        auto r = h.stop_connector(path_name(req));
        if (!r) return send_error(res, r.error());
        res.status = 204;
    });

    route("GET", R"(/connectors/([^/]+)/topics)", [this, &h](const httplib::Request& req, httplib::Response& res) {
        if (!_cfg.topic_tracking) return send_error(res, 403, "Topic tracking is disabled.");
        auto r = h.connector_active_topics(path_name(req));
        if (!r) return send_error(res, r.error());
        json_writer w;
        w.begin_object().key(path_name(req)).begin_object().key("topics").string_list(*r).end_object().end_object();
        send_json(res, 200, w.take());
    });
    route("PUT", R"(/connectors/([^/]+)/topics/reset)", [this, &h](const httplib::Request& req, httplib::Response& res) {
        if (!_cfg.topic_tracking) return send_error(res, 403, "Topic tracking is disabled.");
        if (!_cfg.topic_tracking_reset) return send_error(res, 403, "Topic tracking reset is disabled.");
        auto r = h.reset_connector_active_topics(path_name(req));
        if (!r) return send_error(res, r.error());
        res.status = 202;
    });

    route("GET", R"(/connectors/([^/]+)/offsets)", [&h](const httplib::Request& req, httplib::Response& res) {
        auto r = h.connector_offsets(path_name(req));
        if (!r) return send_error(res, r.error());
        json_writer w;
        write_offsets(w, *r);
        send_json(res, 200, w.take());
    });

    route("PATCH", R"(/connectors/([^/]+)/offsets)", [&h](const httplib::Request& req, httplib::Response& res) {
        auto body = parse_body(req);
        if (!body) return send_error(res, body.error());
        auto& d = *body;
        if (!d.IsObject()) return send_error(res, 400, "The request body must be a JSON object with an 'offsets' array");
        if (!d.HasMember("offsets") || d["offsets"].IsNull() || (d["offsets"].IsArray() && d["offsets"].Empty()))
            return send_error(res, 400, "Partitions / offsets need to be provided for an alter offsets request");
        if (!d["offsets"].IsArray()) return send_error(res, 400, "'offsets' must be a JSON array");
        std::vector<runtime::connector_offset> offsets;
        for (auto& e : d["offsets"].GetArray()) {
            if (!e.IsObject())
                return send_error(res, 400, "Each element of 'offsets' must be an object with 'partition' and 'offset'");
            for (auto& m : e.GetObject()) {
                std::string_view k(m.name.GetString(), m.name.GetStringLength());
                if (k != "partition" && k != "offset")
                    return send_error(res, 400, fmt::format("Unrecognized field \"{}\" in an element of 'offsets'", k));
            }
            runtime::connector_offset o;
            o.partition = e.HasMember("partition") ? read_value(e["partition"]) : value();
            o.offset = e.HasMember("offset") ? read_value(e["offset"]) : value();
            offsets.push_back(std::move(o));
        }
        auto r = h.alter_connector_offsets(path_name(req), offsets);
        if (!r) return send_error(res, r.error());
        json_writer w;
        write_message(w, *r);
        send_json(res, 200, w.take());
    });

    route("DELETE", R"(/connectors/([^/]+)/offsets)", [&h](const httplib::Request& req, httplib::Response& res) {
        auto r = h.reset_connector_offsets(path_name(req));
        if (!r) return send_error(res, r.error());
        json_writer w;
        write_message(w, *r);
        send_json(res, 200, w.take());
    });

    route("GET", "/connector-plugins", [&h](const httplib::Request& req, httplib::Response& res) {
        bool connectors_only = query_flag(req, "connectorsOnly", true);
        // Java's order: sinks, sources, transformations, predicates, converters, header converters.
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
                if (!p->version.empty() && p->version != "undefined") w.key("version").str(p->version);
                w.end_object();
            }
        w.end_array();
        send_json(res, 200, w.take());
    });

    route("GET", R"(/connector-plugins/([^/]+)/config)", [&h](const httplib::Request& req, httplib::Response& res) {
        auto name = path_name(req);
        const plugin_info* p = nullptr;
        plugin_type type{};
        for (auto t : {plugin_type::sink, plugin_type::source, plugin_type::converter, plugin_type::header_converter,
                       plugin_type::transformation, plugin_type::predicate})
            if (!p && (p = h.plugins().find(name, t))) type = t;
        if (!p) return send_error(res, 404, fmt::format("Unknown plugin {}.", name));
        // The plugin's keys, then (connectors) the framework's keys it does not define itself.
        json_writer w;
        w.begin_array();
        std::set<std::string> seen;
        for (auto& k : p->config_def().keys())
            if (!k.internal && seen.insert(k.name).second) write_config_key(w, k);
        if (type == plugin_type::sink || type == plugin_type::source) {
            auto& base = type == plugin_type::sink ? runtime::sink_connector_def() : runtime::source_connector_def();
            for (auto& k : base.keys())
                if (!k.internal && seen.insert(k.name).second) write_config_key(w, k);
        }
        w.end_array();
        send_json(res, 200, w.take());
    });

    route("PUT", R"(/connector-plugins/([^/]+)/config/validate)", [&h](const httplib::Request& req, httplib::Response& res) {
        auto type = path_name(req);
        auto body = parse_body(req, numbers::as_text);
        if (!body) return send_error(res, body.error());
        std::vector<std::string> nulls;
        auto cfg = parse_string_map(*body, &nulls);
        if (!cfg) return send_error(res, cfg.error());
        if (auto it = cfg->find("connector.class"); it != cfg->end()) {
            if (!normalized_plugin_name(it->second).ends_with(normalized_plugin_name(type)))
                return send_error(res, 400, fmt::format("Included connector type {} does not match request type {}",
                                                        it->second, type));
        }
        auto r = h.validate_connector_config(*cfg);
        if (!r) return send_error(res, r.error());
        // A null value is an error on its key (AbstractHerder), with or without a definition.
        for (auto& k : nulls) {
            auto it = std::find_if(r->configs.begin(), r->configs.end(), [&](auto& c) { return c.value.name == k; });
            if (it == r->configs.end()) {
                runtime::config_info_entry e;
                e.value.name = k;
                it = r->configs.insert(r->configs.end(), std::move(e));
            }
            it->value.value = std::nullopt;
            it->value.errors.push_back("Null value can not be supplied as the configuration value.");
            r->error_count++;
        }
        json_writer w;
        write_config_infos(w, *r);
        send_json(res, 200, w.take());
    });

    if (_cfg.admin_enabled) {
        route("GET", "/admin/loggers", [](const httplib::Request&, httplib::Response& res) {
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
        route("GET", R"(/admin/loggers/([^/]+))", [](const httplib::Request& req, httplib::Response& res) {
            auto info = log::level_of(path_name(req));
            if (!info) return send_error(res, 404, fmt::format("Logger {} not found.", path_name(req)));
            json_writer w;
            w.begin_object().key("level").str(info->level).key("last_modified");
            if (info->last_modified) w.num(*info->last_modified);
            else w.null();
            w.end_object();
            send_json(res, 200, w.take());
        });
        route("PUT", R"(/admin/loggers/([^/]+))", [](const httplib::Request& req, httplib::Response& res) {
            auto body = parse_body(req, numbers::as_text);
            if (!body) return send_error(res, body.error());
            std::vector<std::string> nulls;
            auto m = parse_string_map(*body, &nulls);
            if (!m) return send_error(res, m.error());
            auto lvl = m->find("level");
            if (lvl == m->end()) return send_error(res, 400, "Desired 'level' parameter was not specified in request.");
            // Any scope other than "cluster" is the worker scope (LoggingResource); standalone's
            // cluster is this worker, so both change the level here.
            bool cluster = req.has_param("scope") && lower(req.get_param_value("scope")) == "cluster";
            auto changed = log::set_level(path_name(req), lvl->second);
            if (!changed) return send_error(res, 404, fmt::format("invalid log level '{}'.", lvl->second));
            if (cluster) {
                res.status = 204;
                return;
            }
            std::sort(changed->begin(), changed->end());
            json_writer w;
            w.string_list(*changed);
            send_json(res, 200, w.take());
        });
    }

    s.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return;
        // httplib answers 404 for any unmatched request; Jersey says 405 when the path exists
        // under another method.
        if (res.status == 404 && path_known(req.path)) res.status = 405;
        auto msg = res.status == 404   ? "HTTP 404 Not Found"
                   : res.status == 405 ? "HTTP 405 Method Not Allowed"
                                       : "HTTP " + std::to_string(res.status);
        res.set_content(error_body(res.status, msg), json_type);
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
    auto users = _cfg.basic_auth;
    s.set_pre_routing_handler([users](const httplib::Request& req, httplib::Response& res) {
        // HTTP/1.1: a request with neither Content-Length nor Transfer-Encoding has no body. curl
        // sends `curl -X POST .../tasks/0/restart` that way; cpp-httplib 0.11 would wait for a body
        // until the read timeout and answer 400, so say explicitly that there is none. (The
        // request object is not const in httplib; only this callback's view of it is.)
        if ((req.method == "POST" || req.method == "PUT" || req.method == "PATCH" || req.method == "DELETE") &&
            !req.has_header("Content-Length") && !req.has_header("Transfer-Encoding"))
            const_cast<httplib::Request&>(req).headers.emplace("Content-Length", "0");
        if (users.empty()) return httplib::Server::HandlerResponse::Unhandled;
        // As Kafka's JaasBasicAuthFilter: worker-to-worker requests carry no user credentials;
        // they are signed with the session key instead and verified by their handlers (spec 10).
        static const std::regex internal_tasks(R"(/connectors/[^/]+/tasks/?)"), internal_fence(R"(/connectors/[^/]+/fence/?)");
        if ((req.method == "POST" && std::regex_match(req.path, internal_tasks)) ||
            (req.method == "PUT" && std::regex_match(req.path, internal_fence)))
            return httplib::Server::HandlerResponse::Unhandled;
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

result<> server::start() {
    if (_cfg.tls_cert_file.empty()) {
        _http = std::make_unique<httplib::Server>();
    } else if (_cfg.tls_keystore_pkcs12) {
        std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(_cfg.tls_cert_file.c_str(), "rb"), BIO_free);
        std::unique_ptr<PKCS12, decltype(&PKCS12_free)> p12(bio ? d2i_PKCS12_bio(bio.get(), nullptr) : nullptr,
                                                            PKCS12_free);
        EVP_PKEY* key = nullptr;
        X509* cert = nullptr;
        STACK_OF(X509)* chain = nullptr;
        if (!p12 || !PKCS12_parse(p12.get(), _cfg.tls_key_password.c_str(), &key, &cert, &chain) || !key || !cert) {
            EVP_PKEY_free(key);
            X509_free(cert);
            sk_X509_pop_free(chain, X509_free);
            return fail(errc::invalid_argument, "cannot read the PKCS12 keystore {} (wrong ssl.keystore.password?)",
                        _cfg.tls_cert_file);
        }
        auto server = std::make_unique<httplib::SSLServer>(cert, key);
        // The keystore's CA certificates complete the chain the listener presents.
        for (int i = 0; chain && i < sk_X509_num(chain); i++)
            SSL_CTX_add1_chain_cert(server->ssl_context(), sk_X509_value(chain, i));
        EVP_PKEY_free(key);
        X509_free(cert);
        sk_X509_pop_free(chain, X509_free);
        _http = std::move(server);
        if (!_http->is_valid()) return fail(errc::invalid_argument, "cannot use the PKCS12 keystore {}", _cfg.tls_cert_file);
    } else {
        _http = std::make_unique<httplib::SSLServer>(_cfg.tls_cert_file.c_str(), _cfg.tls_key_file.c_str(), nullptr,
                                                     nullptr,
                                                     _cfg.tls_key_password.empty() ? nullptr : _cfg.tls_key_password.c_str());
        if (!_http->is_valid())
            return fail(errc::invalid_argument, "cannot load the TLS certificate/key of the REST listener from {}",
                        _cfg.tls_cert_file);
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

namespace {

// The JAAS file named by -Djava.security.auth.login.config in KAFKA_OPTS (how Java workers are
// given one), or nullopt.
std::optional<std::string> jaas_file_from_kafka_opts() {
    const char* opts = std::getenv("KAFKA_OPTS");
    if (!opts) return std::nullopt;
    std::string_view s(opts);
    constexpr std::string_view flag = "-Djava.security.auth.login.config=";
    auto p = s.find(flag);
    if (p == std::string_view::npos) return std::nullopt;
    auto v = s.substr(p + flag.size());
    if (!v.empty() && (v.front() == '"' || v.front() == '\'')) {
        auto q = v.find(v.front(), 1);
        return std::string(v.substr(1, q == std::string_view::npos ? std::string_view::npos : q - 1));
    }
    return std::string(v.substr(0, v.find_first_of(" \t")));
}

// The `file` option of the KafkaConnect entry of a JAAS file:
//   KafkaConnect { org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule
//                  required file="/etc/connect/credentials.properties"; };
result<std::string> jaas_credentials_file(const std::string& jaas_path) {
    std::ifstream in(jaas_path);
    if (!in) return fail(errc::invalid_argument, "cannot read the JAAS file {} (java.security.auth.login.config)", jaas_path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    static const std::regex entry(R"(KafkaConnect\s*\{([^}]*)\})");
    static const std::regex file(R"(\bfile\s*=\s*"([^"]*)\")");
    std::smatch e, f;
    if (!std::regex_search(text, e, entry))
        return fail(errc::invalid_argument, "the JAAS file {} has no KafkaConnect entry", jaas_path);
    auto body = e[1].str();
    if (!std::regex_search(body, f, file))
        return fail(errc::invalid_argument, "the KafkaConnect entry of the JAAS file {} has no file=\"...\" option",
                    jaas_path);
    return f[1].str();
}

} // namespace

result<> configure_listener(server_config& cfg, const config::config_values& worker, bool https) {
    const auto& originals = worker.originals();
    cfg.topic_tracking = worker.get_bool("topic.tracking.enable");
    cfg.topic_tracking_reset = worker.get_bool("topic.tracking.allow.reset");
    auto client_tls = runtime::rest_client_tls_from(worker);
    if (!client_tls) return fail(client_tls.error());
    cfg.client_tls = std::move(*client_tls);

    if (https) {
        // RestServerConfig: listeners.https.* when any such key is set, else the top-level ssl.*.
        auto prefixed = worker.originals_with_prefix("listeners.https.");
        bool use_prefix = !prefixed.empty();
        auto ssl = [&](const std::string& key) -> std::string {
            const auto& m = use_prefix ? prefixed : originals;
            auto it = m.find(key);
            return it == m.end() ? std::string() : it->second;
        };
        auto key_name = [&](const std::string& key) { return (use_prefix ? "listeners.https." : "") + key; };
        auto location = ssl("ssl.keystore.location");
        if (location.empty())
            return fail(errc::invalid_argument, "{} is required for an https listener",
                        key_name("ssl.keystore.location"));
        if (!std::ifstream(location))
            return fail(errc::invalid_argument, "cannot read {} ({})", location, key_name("ssl.keystore.location"));
        auto type = ssl("ssl.keystore.type");
        std::transform(type.begin(), type.end(), type.begin(), ::toupper);
        if (runtime::is_jks_file(location))
            return fail(errc::invalid_argument,
                        "{} is a JKS keystore, which Ferry cannot read; convert it with `keytool -importkeystore "
                        "-srckeystore {} -destkeystore keystore.p12 -deststoretype PKCS12` and set {}=PKCS12",
                        location, location, key_name("ssl.keystore.type"));
        // Java's default type is JKS; a file that is not JKS is read as what it is.
        if (type.empty() || type == "JKS") type = runtime::is_pem_file(location) ? "PEM" : "PKCS12";
        if (type == "PEM") {
            cfg.tls_cert_file = cfg.tls_key_file = location;
            cfg.tls_key_password = ssl("ssl.key.password");
            cfg.tls_keystore_pkcs12 = false;
        } else if (type == "PKCS12") {
            cfg.tls_cert_file = location;
            cfg.tls_key_file.clear();
            cfg.tls_key_password = ssl("ssl.keystore.password");
            cfg.tls_keystore_pkcs12 = true;
        } else {
            return fail(errc::invalid_argument, "Unsupported {}: {} (Ferry reads PEM and PKCS12 keystores)",
                        key_name("ssl.keystore.type"), type);
        }
        if (!ssl("ssl.client.auth").empty() && lower(ssl("ssl.client.auth")) != "none")
            logger()->warn("{} is not supported by Ferry's REST listener; clients are not asked for certificates",
                           key_name("ssl.client.auth"));
    }

    // Basic authentication.
    constexpr std::string_view basic_ext = "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension";
    bool basic = false;
    for (auto& c : worker.get_list("rest.extension.classes")) {
        if (c == basic_ext) basic = true;
        else logger()->warn("REST extension {} is not available in Ferry and is ignored", c);
    }
    std::string credentials;
    if (auto it = originals.find("rest.basic.auth.credentials.file"); it != originals.end() && !it->second.empty()) {
        credentials = it->second;
    } else if (basic) {
        auto jaas = jaas_file_from_kafka_opts();
        if (!jaas)
            return fail(errc::invalid_argument,
                        "rest.extension.classes names {} but no credentials are given: set "
                        "KAFKA_OPTS=-Djava.security.auth.login.config=<JAAS file> (as for a Java worker) or "
                        "rest.basic.auth.credentials.file",
                        basic_ext);
        auto file = jaas_credentials_file(*jaas);
        if (!file) return fail(file.error());
        credentials = *file;
    }
    if (!credentials.empty()) {
        auto props = config::load_properties(credentials);
        if (!props) return fail(errc::invalid_argument, "basic authentication credentials: {}", props.error().message);
        cfg.basic_auth.clear();
        for (auto& [user, password] : props->to_map()) cfg.basic_auth[user] = password;
        if (cfg.basic_auth.empty())
            return fail(errc::invalid_argument, "basic authentication credentials file {} has no users", credentials);
    }
    return {};
}

} // namespace ferry::rest
