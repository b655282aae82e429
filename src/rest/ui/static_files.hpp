#pragma once
// Serving the embedded UI under /ui/: content types, ETag revalidation, the single-page-app
// fallback to index.html, and headers that keep the pages from loading anything from elsewhere.

#include "rest/ui/assets.hpp"

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ferry::rest::ui {

struct static_response {
    int status = 200;
    const asset* file = nullptr; // body, when status is 200
    std::string content_type;
};

std::string_view content_type_of(std::string_view path);

// `path` is the part after "/ui/" (URL-decoded), `if_none_match` the request header (may be empty).
// Known files are served as they are; a missing file under assets/ is 404; any other path is one of
// the app's routes and gets index.html. A matching ETag gives 304.
static_response resolve_static(std::span<const asset> files, std::string_view path, std::string_view if_none_match);

// Content-Security-Policy of every UI response: scripts, styles, images and API calls come from
// the worker itself, nothing from outside.
inline constexpr const char* content_security_policy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

} // namespace ferry::rest::ui
