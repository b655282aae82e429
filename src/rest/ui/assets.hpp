#pragma once
// The web UI's files, compiled into the binary by embed_assets.cmake (ui_assets.cc is generated).

#include <cstddef>
#include <span>
#include <string_view>

namespace ferry::rest::ui {

struct asset {
    const char* path;          // relative to ui/, e.g. "index.html", "js/main.js"
    const unsigned char* data;
    size_t size;
    const char* etag;          // quoted strong ETag
    std::string_view bytes() const { return {reinterpret_cast<const char*>(data), size}; }
};

std::span<const asset> assets();

} // namespace ferry::rest::ui
