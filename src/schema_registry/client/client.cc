#include "schema_registry/client/client.hpp"

#include "base/log.hpp"
#include "schema_registry/avro/json.hpp"

#include <httplib.h>

#include <algorithm>
#include <cctype>

namespace ferry::schema_registry {

namespace {

log::logger_ptr logger() {
    static auto l = log::get("schema-registry-client");
    return l;
}

std::string trim(std::string s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
        s.pop_back();
    size_t i = 0;
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])))
        i++;
    return s.substr(i);
}

struct parsed_url {
    std::string scheme_host_port; // for httplib::Client
    std::string prefix;           // path prefix without trailing '/'
    std::optional<std::string> user_info;
    std::string display; // without credentials
};

result<parsed_url> parse_url(const std::string& url) {
    parsed_url p;
    auto scheme_end = url.find("://");
    if (scheme_end == std::string::npos)
        return fail(errc::invalid_argument, "Invalid schema.registry.url '{}': no scheme", url);
    std::string scheme = url.substr(0, scheme_end);
    std::string rest = url.substr(scheme_end + 3);
    auto slash = rest.find('/');
    std::string authority = rest.substr(0, slash);
    if (slash != std::string::npos) p.prefix = rest.substr(slash);
    while (!p.prefix.empty() && p.prefix.back() == '/')
        p.prefix.pop_back();
    if (auto at = authority.rfind('@'); at != std::string::npos) {
        p.user_info = authority.substr(0, at);
        authority = authority.substr(at + 1);
    }
    if (authority.empty()) return fail(errc::invalid_argument, "Invalid schema.registry.url: no host");
    if (scheme != "http" && scheme != "https")
        return fail(errc::invalid_argument, "Invalid schema.registry.url: unsupported scheme '{}'", scheme);
    p.scheme_host_port = scheme + "://" + authority;
    p.display = p.scheme_host_port + p.prefix;
    return p;
}

std::string cache_key(const std::string& subject, const std::string& type, const std::string& schema) {
    std::string k;
    k.reserve(subject.size() + type.size() + schema.size() + 2);
    k += subject;
    k.push_back('\0');
    k += type;
    k.push_back('\0');
    k += schema;
    return k;
}

template <class M> void bound(M& m, size_t cap) {
    // Schemas per converter are few; when a cache overflows (a pathological stream of distinct
    // schemas) start over rather than track recency on every hit.
    if (m.size() >= cap) m.clear();
}

std::string schema_body(const std::string& schema, const std::string& type) {
    std::string body = "{\"schema\":";
    avro::write_json_string(schema, body);
    if (type != "AVRO") {
        body += ",\"schemaType\":";
        avro::write_json_string(type, body);
    }
    body.push_back('}');
    return body;
}

} // namespace

std::string encode_path_segment(const std::string& s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(char(c));
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    return out;
}

result<client_config> client_config_from(const std::map<std::string, std::string>& props) {
    client_config c;
    auto get = [&](const char* k) -> std::optional<std::string> {
        auto it = props.find(k);
        if (it == props.end()) return std::nullopt;
        return it->second;
    };
    auto urls = get("schema.registry.url");
    if (!urls || trim(*urls).empty())
        return fail(errc::invalid_argument,
                    "Missing required configuration \"schema.registry.url\" which has no default value.");
    size_t start = 0;
    while (start <= urls->size()) {
        auto comma = urls->find(',', start);
        std::string u = trim(urls->substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (!u.empty()) c.urls.push_back(u);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    for (auto& u : c.urls)
        if (auto p = parse_url(u); !p) return fail(p.error());
    std::string source = get("basic.auth.credentials.source").value_or("URL");
    for (auto& ch : source)
        ch = char(std::toupper(static_cast<unsigned char>(ch)));
    if (source == "USER_INFO") {
        auto ui = get("basic.auth.user.info");
        if (!ui) ui = get("schema.registry.basic.auth.user.info");
        if (ui && !ui->empty()) c.user_info = *ui;
    } else if (source == "URL") {
        // taken from each URL's user-info below, per connection
    } else if (source == "SASL_INHERIT") {
        return fail(errc::invalid_argument, "basic.auth.credentials.source=SASL_INHERIT is not supported by Ferry");
    } else {
        return fail(errc::invalid_argument, "Invalid value {} for configuration basic.auth.credentials.source", source);
    }
    if (auto ttl = get("latest.cache.ttl.sec"); ttl && !ttl->empty()) {
        long v = std::stol(*ttl);
        if (v >= 0) c.latest_ttl = std::chrono::seconds(v);
    }
    if (auto t = get("schema.registry.request.timeout.ms"); t && !t->empty())
        c.timeout = std::chrono::milliseconds(std::stol(*t));
    return c;
}

struct client::conn {
    parsed_url url;
    std::unique_ptr<httplib::Client> http;
};

client::client(client_config cfg) : _cfg(std::move(cfg)) {
    for (auto& u : _cfg.urls) {
        auto p = parse_url(u);
        if (!p) continue; // validated by client_config_from
        auto c = std::make_unique<conn>();
        c->url = *p;
        c->http = std::make_unique<httplib::Client>(p->scheme_host_port);
        auto secs = std::chrono::duration_cast<std::chrono::seconds>(_cfg.timeout).count();
        c->http->set_connection_timeout(std::max<long>(1, std::min<long>(secs, 10)), 0);
        c->http->set_read_timeout(std::max<long>(1, secs), 0);
        c->http->set_write_timeout(std::max<long>(1, secs), 0);
        c->http->set_keep_alive(true);
        std::optional<std::string> ui = _cfg.user_info ? _cfg.user_info : p->user_info;
        if (ui) {
            auto colon = ui->find(':');
            c->http->set_basic_auth(ui->substr(0, colon), colon == std::string::npos ? "" : ui->substr(colon + 1));
        }
        _conns.push_back(std::move(c));
    }
}

client::~client() = default;

result<client::response> client::call(const std::string& method, const std::string& path, const std::string& body) {
    if (_conns.empty()) return fail(errc::invalid_argument, "No schema.registry.url configured");
    httplib::Headers headers{
        {"Accept", "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json, application/json"}};
    const char* ctype = "application/vnd.schemaregistry.v1+json";
    std::string last_failure;
    for (size_t attempt = 0; attempt < _conns.size(); attempt++) {
        size_t i = (_preferred + attempt) % _conns.size();
        auto& c = *_conns[i];
        std::string full = c.url.prefix + path;
        httplib::Result r = method == "GET"      ? c.http->Get(full.c_str(), headers)
                            : method == "DELETE" ? c.http->Delete(full.c_str(), headers)
                            : method == "PUT"    ? c.http->Put(full.c_str(), headers, body, ctype)
                                                 : c.http->Post(full.c_str(), headers, body, ctype);
        if (!r) {
            last_failure = fmt::format("{}: {}", c.url.display, httplib::to_string(r.error()));
            logger()->warn("Schema Registry at {} failed ({}), trying the next URL", c.url.display,
                           httplib::to_string(r.error()));
            continue;
        }
        if (r->status >= 500 && attempt + 1 < _conns.size()) {
            last_failure = fmt::format("{}: HTTP {}", c.url.display, r->status);
            continue;
        }
        _preferred = i;
        return response{r->status, r->body};
    }
    return fail(errc::unavailable, "Could not reach the Schema Registry ({})", last_failure);
}

result<std::string> client::request(const std::string& method, const std::string& path, const std::string& body) {
    _last_error.reset();
    auto r = call(method, path, body);
    if (!r) return fail(r.error());
    if (r->status >= 200 && r->status < 300) return std::move(r->body);
    registry_error e{r->status, r->status, {}};
    if (auto j = avro::parse_json(r->body); j && j->is_object()) {
        if (auto* code = j->get("error_code"); code && code->is_integer()) e.error_code = int(code->as_int());
        if (auto* msg = j->get("message"); msg && msg->is_string()) e.message = msg->as_string();
    }
    if (e.message.empty()) e.message = r->body.substr(0, 200);
    _last_error = e;
    errc kind = r->status == 404   ? errc::not_found
                : r->status == 409 ? errc::conflict
                : r->status >= 500 ? errc::unavailable
                                   : errc::invalid_argument;
    return fail(kind, "{}; error code: {}", e.message, e.error_code);
}

result<registered_schema> client::parse_registered(const std::string& body, const std::string& subject) {
    auto j = avro::parse_json(body);
    if (!j || !j->is_object())
        return fail(errc::internal, "Unexpected response from the Schema Registry: {}", body.substr(0, 200));
    registered_schema s;
    s.subject = subject;
    if (auto* v = j->get("subject"); v && v->is_string()) s.subject = v->as_string();
    if (auto* v = j->get("version"); v && v->is_integer()) s.version = int32_t(v->as_int());
    if (auto* v = j->get("id"); v && v->is_integer()) s.id = int32_t(v->as_int());
    if (auto* v = j->get("schemaType"); v && v->is_string()) s.schema_type = v->as_string();
    if (auto* v = j->get("schema"); v && v->is_string()) s.schema = v->as_string();
    return s;
}

result<int32_t> client::register_schema(const std::string& subject, const std::string& schema,
                                        const std::string& schema_type) {
    auto key = cache_key(subject, schema_type, schema);
    if (auto it = _registered.find(key); it != _registered.end()) return it->second;
    auto body =
        request("POST", "/subjects/" + encode_path_segment(subject) + "/versions", schema_body(schema, schema_type));
    if (!body) return fail(body.error());
    auto j = avro::parse_json(*body);
    const avro::json* id = j && j->is_object() ? j->get("id") : nullptr;
    if (!id || !id->is_integer())
        return fail(errc::internal, "Unexpected response from the Schema Registry: {}", body->substr(0, 200));
    bound(_registered, _cfg.cache_capacity);
    _registered.emplace(std::move(key), int32_t(id->as_int()));
    bound(_by_id, _cfg.cache_capacity);
    _by_id.emplace(int32_t(id->as_int()), schema);
    return int32_t(id->as_int());
}

result<registered_schema> client::lookup(const std::string& subject, const std::string& schema,
                                         const std::string& schema_type) {
    auto key = cache_key(subject, schema_type, schema);
    if (auto it = _looked_up.find(key); it != _looked_up.end()) return it->second;
    auto body = request("POST", "/subjects/" + encode_path_segment(subject), schema_body(schema, schema_type));
    if (!body) return fail(body.error());
    auto s = parse_registered(*body, subject);
    if (!s) return s;
    bound(_looked_up, _cfg.cache_capacity);
    _looked_up.emplace(std::move(key), *s);
    return s;
}

result<std::string> client::schema_by_id(int32_t id) {
    if (auto it = _by_id.find(id); it != _by_id.end()) return it->second;
    auto body = request("GET", "/schemas/ids/" + std::to_string(id), {});
    if (!body) return fail(body.error());
    auto j = avro::parse_json(*body);
    const avro::json* s = j && j->is_object() ? j->get("schema") : nullptr;
    if (!s || !s->is_string())
        return fail(errc::internal, "Unexpected response from the Schema Registry: {}", body->substr(0, 200));
    if (auto* t = j->get("schemaType"); t && t->is_string() && t->as_string() != "AVRO")
        return fail(errc::invalid_argument, "Schema {} is a {} schema, not Avro", id, t->as_string());
    bound(_by_id, _cfg.cache_capacity);
    return _by_id.emplace(id, s->as_string()).first->second;
}

result<registered_schema> client::latest(const std::string& subject) {
    auto now = std::chrono::steady_clock::now();
    if (auto it = _latest.find(subject); it != _latest.end()) {
        if (!_cfg.latest_ttl || now - it->second.at < *_cfg.latest_ttl) return it->second.s;
    }
    auto body = request("GET", "/subjects/" + encode_path_segment(subject) + "/versions/latest", {});
    if (!body) return fail(body.error());
    auto s = parse_registered(*body, subject);
    if (!s) return s;
    bound(_latest, _cfg.cache_capacity);
    _latest[subject] = latest_entry{*s, now};
    bound(_by_id, _cfg.cache_capacity);
    _by_id.emplace(s->id, s->schema);
    return s;
}

result<registered_schema> client::version(const std::string& subject, int32_t version) {
    auto body =
        request("GET", "/subjects/" + encode_path_segment(subject) + "/versions/" + std::to_string(version), {});
    if (!body) return fail(body.error());
    return parse_registered(*body, subject);
}

} // namespace ferry::schema_registry
