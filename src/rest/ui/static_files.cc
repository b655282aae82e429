#include "rest/ui/static_files.hpp"

#include <algorithm>

namespace ferry::rest::ui {

std::string_view content_type_of(std::string_view path) {
    auto dot = path.rfind('.');
    auto ext = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
    if (ext == "html") return "text/html; charset=utf-8";
    if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
    if (ext == "css") return "text/css; charset=utf-8";
    if (ext == "json") return "application/json";
    if (ext == "svg") return "image/svg+xml";
    if (ext == "png") return "image/png";
    if (ext == "ico") return "image/x-icon";
    if (ext == "woff2") return "font/woff2";
    if (ext == "txt" || ext == "md") return "text/plain; charset=utf-8";
    return "application/octet-stream";
}

namespace {

const asset* find(std::span<const asset> files, std::string_view path) {
    auto it = std::find_if(files.begin(), files.end(), [&](const asset& a) { return path == a.path; });
    return it == files.end() ? nullptr : &*it;
}

// If-None-Match may list several tags, or "*".
bool etag_matches(std::string_view header, std::string_view etag) {
    if (header.empty()) return false;
    if (header.find('*') != std::string_view::npos) return true;
    size_t pos = 0;
    while (pos < header.size()) {
        auto comma = header.find(',', pos);
        auto tag = header.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
        while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
        while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
        if (tag.starts_with("W/")) tag.remove_prefix(2);
        if (tag == etag) return true;
        if (comma == std::string_view::npos) break;
        pos = comma + 1;
    }
    return false;
}

} // namespace

static_response resolve_static(std::span<const asset> files, std::string_view path, std::string_view if_none_match) {
    static_response r;
    while (path.starts_with('/')) path.remove_prefix(1);
    const asset* a = nullptr;
    if (path.empty()) {
        a = find(files, "index.html");
    } else if (path.find("..") == std::string_view::npos) {
        a = find(files, path);
        // Files live under assets/; every other path is one of the app's own routes
        // (/ui/connectors/my.connector) and gets the page that routes it.
        if (!a && !path.starts_with("assets/")) a = find(files, "index.html");
    }
    if (!a) {
        r.status = 404;
        return r;
    }
    r.file = a;
    r.content_type = std::string(content_type_of(a->path));
    if (etag_matches(if_none_match, a->etag)) r.status = 304;
    return r;
}

} // namespace ferry::rest::ui
