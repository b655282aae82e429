#include "schema_registry/server/server.hpp"

#include "base/log.hpp"
#include "schema_registry/avro/json.hpp"
#include "storage/kafka_log.hpp"

#include <httplib.h>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace ferry::schema_registry {

namespace {

log::logger_ptr logger() {
    static auto l = log::get("schema-registry");
    return l;
}

constexpr const char* content_type = "application/vnd.schemaregistry.v1+json";

std::string q(std::string_view s) {
    std::string out;
    avro::write_json_string(s, out);
    return out;
}

void send(httplib::Response& res, int status, std::string body) {
    res.status = status;
    res.set_content(std::move(body), content_type);
}

void send_error(httplib::Response& res, const registry_status& e) {
    send(res, e.http_status(), fmt::format("{{\"error_code\":{},\"message\":{}}}", e.error_code, q(e.message)));
}

template <class T> bool check(httplib::Response& res, const reg_result<T>& r) {
    if (r) return true;
    send_error(res, r.error());
    return false;
}

bool flag(const httplib::Request& req, const char* name) {
    if (!req.has_param(name)) return false;
    auto v = req.get_param_value(name);
    std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return v == "true";
}

// {version}: an integer >= 1, "latest" or -1.
std::optional<int32_t> parse_version(const std::string& s) {
    if (s == "latest") return -1;
    int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    if (v == -1) return -1;
    if (v < 1 || v > INT32_MAX) return std::nullopt;
    return int32_t(v);
}

registry_status invalid_version(const std::string& s) {
    return {42202, fmt::format("The specified version '{}' is not a valid version id. Allowed values are between [1, "
                               "2^31-1] and the string \"latest\"",
                               s)};
}

struct schema_request {
    std::string schema;
    std::string schema_type = "AVRO";
    std::string references;
    std::optional<int32_t> id, version;
};

reg_result<schema_request> parse_schema_request(const httplib::Request& req) {
    auto j = avro::parse_json(req.body);
    if (!j || !j->is_object())
        return unexpected(registry_status{400, "Unrecognized request body: " +
                                                   (j ? std::string("not a JSON object") : j.error().message)});
    schema_request r;
    auto* s = j->get("schema");
    if (!s || !s->is_string() || s->as_string().empty()) return unexpected(registry_status{42201, "Empty schema"});
    r.schema = s->as_string();
    if (auto* t = j->get("schemaType"); t && t->is_string()) r.schema_type = t->as_string();
    for (auto& c : r.schema_type)
        c = char(std::toupper(static_cast<unsigned char>(c)));
    if (auto* refs = j->get("references"); refs && refs->is_array() && !refs->as_array().empty())
        r.references = avro::to_json(*refs);
    if (auto* v = j->get("id"); v && v->is_integer() && v->as_int() > 0) r.id = int32_t(v->as_int());
    if (auto* v = j->get("version"); v && v->is_integer() && v->as_int() > 0) r.version = int32_t(v->as_int());
    return r;
}

std::string version_json(const schema_version& v) {
    std::string out = fmt::format("{{\"subject\":{},\"version\":{},\"id\":{},\"schemaType\":{}", q(v.subject),
                                  v.version, v.id, q(v.schema_type));
    if (!v.references_json.empty()) out += ",\"references\":" + v.references_json;
    out += ",\"schema\":" + q(v.schema);
    if (v.deleted) out += ",\"deleted\":true";
    out.push_back('}');
    return out;
}

template <class T, class F> std::string json_array(const std::vector<T>& items, F&& each) {
    std::string out = "[";
    for (size_t i = 0; i < items.size(); i++) {
        if (i) out.push_back(',');
        out += each(items[i]);
    }
    out.push_back(']');
    return out;
}

std::string ints(const std::vector<int32_t>& v) {
    return json_array(v, [](int32_t i) { return std::to_string(i); });
}
std::string strings(const std::vector<std::string>& v) {
    return json_array(v, [](const std::string& s) { return q(s); });
}

std::string base64_decode(std::string_view in) {
    static const std::string chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    int val = 0, bits = -8;
    for (char c : in) {
        auto p = chars.find(c);
        if (p == std::string::npos) break;
        val = (val << 6) + int(p);
        bits += 6;
        if (bits >= 0) {
            out.push_back(char((val >> bits) & 0xff));
            bits -= 8;
        }
    }
    return out;
}

} // namespace

result<server_config> server_config_from_properties(const std::map<std::string, std::string>& props) {
    server_config c;
    auto get = [&](const char* k) -> std::optional<std::string> {
        auto it = props.find(k);
        if (it == props.end() || it->second.empty()) return std::nullopt;
        return it->second;
    };
    if (auto l = get("listeners")) {
        std::string first = l->substr(0, l->find(','));
        auto scheme = first.find("://");
        if (scheme != std::string::npos && first.substr(0, scheme) != "http")
            return fail(errc::invalid_argument, "listeners: only http:// is supported, got {}", first);
        std::string hp = scheme == std::string::npos ? first : first.substr(scheme + 3);
        auto colon = hp.rfind(':');
        if (colon == std::string::npos) return fail(errc::invalid_argument, "listeners: no port in {}", first);
        c.host = hp.substr(0, colon);
        if (c.host.empty()) c.host = "0.0.0.0";
        c.port = std::stoi(hp.substr(colon + 1));
    } else {
        if (auto h = get("host.name")) c.host = *h;
        if (auto p = get("port")) c.port = std::stoi(*p);
    }
    auto bootstrap = get("kafkastore.bootstrap.servers");
    if (!bootstrap)
        return fail(errc::invalid_argument, "Missing required configuration \"kafkastore.bootstrap.servers\"");
    // Confluent accepts PLAINTEXT://host:port,SSL://...; librdkafka wants host:port.
    std::string servers;
    size_t start = 0;
    while (start < bootstrap->size()) {
        auto comma = bootstrap->find(',', start);
        std::string s = bootstrap->substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (auto p = s.find("://"); p != std::string::npos) s = s.substr(p + 3);
        if (!s.empty()) servers += (servers.empty() ? "" : ",") + s;
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    c.kafka_props["bootstrap.servers"] = servers;
    for (auto& [k, v] : props) {
        static const std::string prefix = "kafkastore.";
        if (k.rfind(prefix, 0) != 0) continue;
        std::string rest = k.substr(prefix.size());
        if (rest.rfind("security.", 0) == 0 || rest.rfind("sasl.", 0) == 0 || rest.rfind("ssl.", 0) == 0)
            c.kafka_props[rest] = v;
    }
    if (auto t = get("kafkastore.topic")) c.topic = *t;
    if (auto r = get("kafkastore.topic.replication.factor")) c.replication_factor = int16_t(std::stoi(*r));
    if (auto l = get("schema.compatibility.level"))
        c.registry.default_compatibility = *l;
    else if (auto l2 = get("avro.compatibility.level"))
        c.registry.default_compatibility = *l2;
    if (!avro::parse_level(c.registry.default_compatibility))
        return fail(errc::invalid_argument, "Invalid schema.compatibility.level {}", c.registry.default_compatibility);
    if (auto m = get("mode")) c.registry.default_mode = *m;
    if (auto a = get("authentication.method"); a && *a != "NONE") {
        if (*a != "BASIC")
            return fail(errc::invalid_argument, "authentication.method={} is not supported (BASIC or NONE)", *a);
        auto users = get("ferry.basic.auth.users");
        if (!users)
            return fail(errc::invalid_argument,
                        "authentication.method=BASIC needs ferry.basic.auth.users=user:password,...");
        size_t s = 0;
        while (s <= users->size()) {
            auto comma = users->find(',', s);
            std::string u = users->substr(s, comma == std::string::npos ? std::string::npos : comma - s);
            if (!u.empty()) c.basic_auth_users.push_back(u);
            if (comma == std::string::npos) break;
            s = comma + 1;
        }
    }
    return c;
}

result<std::unique_ptr<server>> server::start(server_config cfg) {
    std::unique_ptr<server> s(new server());
    s->_cfg = std::move(cfg);
    s->_registry = std::make_unique<registry>(s->_cfg.registry);
    auto* reg = s->_registry.get();

    if (!s->_cfg.in_memory) {
        storage::kafka_log_options lo;
        lo.topic = s->_cfg.topic;
        lo.partitions = 1;
        lo.replication_factor = s->_cfg.replication_factor;
        lo.client_props = s->_cfg.kafka_props;
        lo.client_id = "ferry-schema-registry";
        lo.require_partitions = false;
        auto log = storage::kafka_log::start(lo, [reg](const storage::log_record& r) {
            if (!r.key) return;
            reg->apply(*r.key, r.value);
        });
        if (!log) return fail(errc::unavailable, "Schema Registry store ({}): {}", s->_cfg.topic, log.error().message);
        s->_log = std::move(*log);
        auto* kl = s->_log.get();
        reg->set_append([kl](const std::vector<std::pair<std::string, std::optional<std::string>>>& recs)
                            -> std::optional<std::string> {
            for (auto& [k, v] : recs) {
                if (auto r = kl->send(k, v ? std::optional<std::string_view>(*v) : std::nullopt); !r)
                    return r.error().message;
            }
            if (auto r = kl->flush(std::chrono::seconds(30)); !r) return r.error().message;
            if (auto r = kl->read_to_end(std::chrono::seconds(30)); !r) return r.error().message;
            return std::nullopt;
        });
    }

    s->_http = std::make_unique<httplib::Server>();
    s->routes();
    int port = s->_cfg.port;
    if (port == 0)
        port = s->_http->bind_to_any_port(s->_cfg.host);
    else if (!s->_http->bind_to_port(s->_cfg.host, port))
        port = -1;
    if (port <= 0) {
        if (s->_log) s->_log->stop();
        return fail(errc::io, "Schema Registry could not listen on {}:{}", s->_cfg.host, s->_cfg.port);
    }
    s->_port = port;
    auto* http = s->_http.get();
    s->_thread = std::thread([http] { http->listen_after_bind(); });
    logger()->info("Schema Registry listening on {} (store: {}, {} schema ids)", s->url(),
                   s->_cfg.in_memory ? std::string("memory") : "topic " + s->_cfg.topic, reg->max_id());
    return s;
}

server::~server() {
    stop();
}

std::string server::url() const {
    std::string host = _cfg.host == "0.0.0.0" || _cfg.host.empty() ? "127.0.0.1" : _cfg.host;
    return fmt::format("http://{}:{}", host, _port);
}

void server::stop() {
    if (_http) _http->stop();
    if (_thread.joinable()) _thread.join();
    if (_log) _log->stop();
}

void server::routes() {
    auto& h = *_http;
    auto& r = *_registry;

    if (!_cfg.basic_auth_users.empty()) {
        auto users = _cfg.basic_auth_users;
        h.set_pre_routing_handler([users](const httplib::Request& req, httplib::Response& res) {
            auto a = req.get_header_value("Authorization");
            if (a.rfind("Basic ", 0) == 0) {
                std::string cred = base64_decode(a.substr(6));
                if (std::find(users.begin(), users.end(), cred) != users.end())
                    return httplib::Server::HandlerResponse::Unhandled;
            }
            res.set_header("WWW-Authenticate", "Basic realm=\"SchemaRegistry\"");
            send(res, 401, "{\"error_code\":401,\"message\":\"Unauthorized\"}");
            return httplib::Server::HandlerResponse::Handled;
        });
    }
    h.set_error_handler([](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) return;
        const char* what = res.status == 404 ? "Not Found" : res.status == 405 ? "Method Not Allowed" : "Error";
        send(res, res.status,
             fmt::format("{{\"error_code\":{},\"message\":\"HTTP {} {}\"}}", res.status, res.status, what));
    });
    h.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "internal error";
        try {
            std::rethrow_exception(ep);
        } catch (const std::exception& e) {
            what = e.what();
        }
        send(res, 500, fmt::format("{{\"error_code\":50001,\"message\":{}}}", q(what)));
    });

    using req_t = const httplib::Request&;
    using res_t = httplib::Response&;

    h.Get("/", [](req_t, res_t res) { send(res, 200, "{}"); });
    h.Get("/schemas/types", [](req_t, res_t res) { send(res, 200, "[\"AVRO\"]"); });

    h.Get("/subjects", [&r](req_t req, res_t res) {
        auto v = r.subjects(req.has_param("subjectPrefix") ? req.get_param_value("subjectPrefix") : "",
                            flag(req, "deleted"), flag(req, "deletedOnly"));
        if (check(res, v)) send(res, 200, strings(*v));
    });
    h.Get(R"(/subjects/([^/]+)/versions)", [&r](req_t req, res_t res) {
        auto v = r.versions(req.matches[1], flag(req, "deleted"), flag(req, "deletedOnly"));
        if (check(res, v)) send(res, 200, ints(*v));
    });
    auto get_version = [&r](req_t req, res_t res, bool raw) {
        auto ver = parse_version(req.matches[2]);
        if (!ver) return send_error(res, invalid_version(req.matches[2]));
        auto v = r.get_version(req.matches[1], *ver, flag(req, "deleted"));
        if (!check(res, v)) return;
        send(res, 200, raw ? v->schema : version_json(*v));
    };
    h.Get(R"(/subjects/([^/]+)/versions/([^/]+))",
          [get_version](req_t req, res_t res) { get_version(req, res, false); });
    h.Get(R"(/subjects/([^/]+)/versions/([^/]+)/schema)",
          [get_version](req_t req, res_t res) { get_version(req, res, true); });
    h.Get(R"(/subjects/([^/]+)/versions/([^/]+)/referencedby)", [&r](req_t req, res_t res) {
        auto ver = parse_version(req.matches[2]);
        if (!ver) return send_error(res, invalid_version(req.matches[2]));
        auto v = r.get_version(req.matches[1], *ver, false);
        if (check(res, v)) send(res, 200, "[]"); // references are not supported, so nothing refers to anything
    });

    h.Post(R"(/subjects/([^/]+)/versions)", [&r](req_t req, res_t res) {
        auto body = parse_schema_request(req);
        if (!check(res, body)) return;
        auto v = r.register_schema(req.matches[1], body->schema, body->schema_type, body->references, body->id,
                                   body->version);
        if (!check(res, v)) return;
        send(res, 200, fmt::format("{{\"id\":{}}}", v->id));
    });
    h.Post(R"(/subjects/([^/]+))", [&r](req_t req, res_t res) {
        auto body = parse_schema_request(req);
        if (!check(res, body)) return;
        auto v = r.lookup(req.matches[1], body->schema, body->schema_type, flag(req, "deleted"));
        if (check(res, v)) send(res, 200, version_json(*v));
    });
    h.Delete(R"(/subjects/([^/]+))", [&r](req_t req, res_t res) {
        auto v = r.delete_subject(req.matches[1], flag(req, "permanent"));
        if (check(res, v)) send(res, 200, ints(*v));
    });
    h.Delete(R"(/subjects/([^/]+)/versions/([^/]+))", [&r](req_t req, res_t res) {
        auto ver = parse_version(req.matches[2]);
        if (!ver) return send_error(res, invalid_version(req.matches[2]));
        auto v = r.delete_version(req.matches[1], *ver, flag(req, "permanent"));
        if (check(res, v)) send(res, 200, std::to_string(*v));
    });

    auto with_id = [](req_t req, res_t res) -> std::optional<int32_t> {
        int64_t id = 0;
        std::string s = req.matches[1];
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
        if (ec != std::errc() || p != s.data() + s.size() || id < 0 || id > INT32_MAX) {
            send_error(res, {40403, fmt::format("Schema {} not found", s)});
            return std::nullopt;
        }
        return int32_t(id);
    };
    h.Get(R"(/schemas/ids/([^/]+))", [&r, with_id](req_t req, res_t res) {
        auto id = with_id(req, res);
        if (!id) return;
        auto v = r.schema_by_id(*id);
        if (!check(res, v)) return;
        std::string out = "{\"schemaType\":" + q(v->schema_type);
        if (!v->references_json.empty()) out += ",\"references\":" + v->references_json;
        out += ",\"schema\":" + q(v->schema);
        if (flag(req, "fetchMaxId")) out += fmt::format(",\"maxId\":{}", r.max_id());
        out.push_back('}');
        send(res, 200, out);
    });
    h.Get(R"(/schemas/ids/([^/]+)/schema)", [&r, with_id](req_t req, res_t res) {
        auto id = with_id(req, res);
        if (!id) return;
        auto v = r.schema_by_id(*id);
        if (check(res, v)) send(res, 200, v->schema);
    });
    h.Get(R"(/schemas/ids/([^/]+)/versions)", [&r, with_id](req_t req, res_t res) {
        auto id = with_id(req, res);
        if (!id) return;
        auto v = r.id_versions(*id, flag(req, "deleted"));
        if (check(res, v))
            send(res, 200, json_array(*v, [](const subject_version& sv) {
                     return fmt::format("{{\"subject\":{},\"version\":{}}}", q(sv.subject), sv.version);
                 }));
    });
    h.Get(R"(/schemas/ids/([^/]+)/subjects)", [&r, with_id](req_t req, res_t res) {
        auto id = with_id(req, res);
        if (!id) return;
        auto v = r.id_subjects(*id, flag(req, "deleted"));
        if (check(res, v)) send(res, 200, strings(*v));
    });

    // --- config ---
    auto put_config = [&r](const std::string& subject, req_t req, res_t res) {
        auto j = avro::parse_json(req.body);
        const avro::json* c = j && j->is_object() ? j->get("compatibility") : nullptr;
        if (!c) c = j && j->is_object() ? j->get("compatibilityLevel") : nullptr;
        if (!c || !c->is_string())
            return send_error(res, {42203, "Invalid compatibility level. Valid values are none, backward, "
                                           "forward, full, backward_transitive, forward_transitive, and "
                                           "full_transitive"});
        auto v = r.set_config(subject, c->as_string());
        if (check(res, v)) send(res, 200, fmt::format("{{\"compatibility\":{}}}", q(*v)));
    };
    h.Get("/config", [&r](req_t, res_t res) {
        auto v = r.get_config("", true);
        if (check(res, v)) send(res, 200, fmt::format("{{\"compatibilityLevel\":{}}}", q(*v)));
    });
    h.Put("/config", [put_config](req_t req, res_t res) { put_config("", req, res); });
    h.Delete("/config", [&r](req_t, res_t res) {
        auto v = r.delete_config("");
        if (check(res, v)) send(res, 200, fmt::format("{{\"compatibilityLevel\":{}}}", q(*v)));
    });
    h.Get(R"(/config/([^/]+))", [&r](req_t req, res_t res) {
        auto v = r.get_config(req.matches[1], flag(req, "defaultToGlobal"));
        if (check(res, v)) send(res, 200, fmt::format("{{\"compatibilityLevel\":{}}}", q(*v)));
    });
    h.Put(R"(/config/([^/]+))", [put_config](req_t req, res_t res) { put_config(req.matches[1], req, res); });
    h.Delete(R"(/config/([^/]+))", [&r](req_t req, res_t res) {
        auto v = r.delete_config(req.matches[1]);
        if (check(res, v)) send(res, 200, fmt::format("{{\"compatibilityLevel\":{}}}", q(*v)));
    });

    // --- mode ---
    auto put_mode = [&r](const std::string& subject, req_t req, res_t res) {
        auto j = avro::parse_json(req.body);
        const avro::json* m = j && j->is_object() ? j->get("mode") : nullptr;
        if (!m || !m->is_string())
            return send_error(
                res, {42204, "Invalid mode. Valid values are READWRITE, READONLY, READONLY_OVERRIDE, and IMPORT."});
        auto v = r.set_mode(subject, m->as_string(), flag(req, "force"));
        if (check(res, v)) send(res, 200, fmt::format("{{\"mode\":{}}}", q(*v)));
    };
    h.Get("/mode", [&r](req_t, res_t res) {
        auto v = r.get_mode("", true);
        if (check(res, v)) send(res, 200, fmt::format("{{\"mode\":{}}}", q(*v)));
    });
    h.Put("/mode", [put_mode](req_t req, res_t res) { put_mode("", req, res); });
    h.Get(R"(/mode/([^/]+))", [&r](req_t req, res_t res) {
        auto v = r.get_mode(req.matches[1], flag(req, "defaultToGlobal"));
        if (check(res, v)) send(res, 200, fmt::format("{{\"mode\":{}}}", q(*v)));
    });
    h.Put(R"(/mode/([^/]+))", [put_mode](req_t req, res_t res) { put_mode(req.matches[1], req, res); });
    h.Delete(R"(/mode/([^/]+))", [&r](req_t req, res_t res) {
        auto v = r.delete_mode(req.matches[1]);
        if (check(res, v)) send(res, 200, fmt::format("{{\"mode\":{}}}", q(*v)));
    });

    // --- compatibility ---
    auto compat = [&r](req_t req, res_t res, std::optional<int32_t> version) {
        auto body = parse_schema_request(req);
        if (!check(res, body)) return;
        auto v = r.test_compatibility(req.matches[1], version, body->schema, body->schema_type);
        if (!check(res, v)) return;
        std::string out = v->empty() ? "{\"is_compatible\":true" : "{\"is_compatible\":false";
        if (flag(req, "verbose")) out += ",\"messages\":" + strings(*v);
        out.push_back('}');
        send(res, 200, out);
    };
    h.Post(R"(/compatibility/subjects/([^/]+)/versions)",
           [compat](req_t req, res_t res) { compat(req, res, std::nullopt); });
    h.Post(R"(/compatibility/subjects/([^/]+)/versions/([^/]+))", [compat](req_t req, res_t res) {
        auto ver = parse_version(req.matches[2]);
        if (!ver) return send_error(res, invalid_version(req.matches[2]));
        compat(req, res, *ver);
    });
}

} // namespace ferry::schema_registry
