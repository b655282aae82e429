#include "rest/ui/registry_client.hpp"

#include <httplib.h>
#include <rapidjson/document.h>

namespace ferry::rest::ui {

namespace {

std::vector<std::string> split_urls(const std::string& s) {
    std::vector<std::string> out;
    size_t pos = 0;
    while (pos <= s.size()) {
        auto comma = s.find(',', pos);
        auto u = s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        while (!u.empty() && isspace((unsigned char)u.front())) u.erase(u.begin());
        while (!u.empty() && (isspace((unsigned char)u.back()) || u.back() == '/')) u.pop_back();
        if (!u.empty()) out.push_back(u);
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    return out;
}

} // namespace

registry_client::registry_client(std::vector<std::string> urls, std::string user_info) : _urls(std::move(urls)) {
    auto colon = user_info.find(':');
    if (colon != std::string::npos) {
        _user = user_info.substr(0, colon);
        _password = user_info.substr(colon + 1);
    }
}

registry_client registry_client::from_worker_props(const std::map<std::string, std::string>& props) {
    for (std::string prefix : {"value.converter.", "key.converter.", ""}) {
        auto it = props.find(prefix + "schema.registry.url");
        if (it == props.end() || split_urls(it->second).empty()) continue;
        std::string user_info;
        auto src = props.find(prefix + "basic.auth.credentials.source");
        auto info = props.find(prefix + "basic.auth.user.info");
        if (src != props.end() && src->second == "USER_INFO" && info != props.end()) user_info = info->second;
        return registry_client(split_urls(it->second), user_info);
    }
    return {};
}

result<registry_client::response> registry_client::get(const std::string& target) const {
    std::string last_error = "no schema registry is configured";
    for (auto& url : _urls) {
        // scheme://host:port[/prefix]
        auto scheme_end = url.find("://");
        auto path_start = url.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
        auto base = path_start == std::string::npos ? url : url.substr(0, path_start);
        auto prefix = path_start == std::string::npos ? std::string() : url.substr(path_start);
        httplib::Client cli(base);
        cli.set_connection_timeout(3, 0);
        cli.set_read_timeout(10, 0);
        if (!_user.empty()) cli.set_basic_auth(_user.c_str(), _password.c_str());
        auto res = cli.Get((prefix + target).c_str(), {{"Accept", "application/vnd.schemaregistry.v1+json, application/json"}});
        if (!res) {
            last_error = fmt::format("{}: {}", url, httplib::to_string(res.error()));
            continue;
        }
        return response{res->status, res->body, res->get_header_value("Content-Type")};
    }
    return fail(errc::unavailable, "Schema registry unreachable ({})", last_error);
}

result<registered_schema> registry_client::schema_by_id(int32_t id) {
    {
        std::lock_guard g(_mu);
        if (auto it = _cache.find(id); it != _cache.end()) return it->second;
    }
    auto r = get(fmt::format("/schemas/ids/{}", id));
    if (!r) return fail(r.error());
    if (r->status == 404) return fail(errc::not_found, "schema id {} is not in the registry", id);
    if (r->status != 200) return fail(errc::unavailable, "the registry answered {} for schema id {}", r->status, id);
    rapidjson::Document d;
    d.Parse(r->body.c_str(), r->body.size());
    if (d.HasParseError() || !d.IsObject() || !d.HasMember("schema") || !d["schema"].IsString())
        return fail(errc::unavailable, "unexpected registry answer for schema id {}", id);
    registered_schema s;
    s.schema = d["schema"].GetString();
    if (d.HasMember("schemaType") && d["schemaType"].IsString()) s.type = d["schemaType"].GetString();
    std::lock_guard g(_mu);
    _cache[id] = s;
    return s;
}

} // namespace ferry::rest::ui
