#include "rest/ui/static_files.hpp"

#include <gtest/gtest.h>

using namespace ferry::rest::ui;

namespace {
const unsigned char index_bytes[] = "<html></html>";
const unsigned char js_bytes[] = "export {}";
const asset files[] = {{"index.html", index_bytes, 13, "\"aaaa\""}, {"assets/app.js", js_bytes, 9, "\"bbbb\""}};
} // namespace

TEST(ui_static, serves_files_with_their_types) {
    auto r = resolve_static(files, "assets/app.js", "");
    ASSERT_EQ(r.status, 200);
    EXPECT_STREQ(r.file->path, "assets/app.js");
    EXPECT_EQ(r.content_type, "text/javascript; charset=utf-8");
    EXPECT_EQ(resolve_static(files, "", "").file->path, std::string("index.html"));
    EXPECT_EQ(resolve_static(files, "", "").content_type, "text/html; charset=utf-8");
}

TEST(ui_static, app_routes_fall_back_to_index_but_missing_assets_do_not) {
    for (auto p : {"connectors", "connectors/my.connector", "topics/orders/", "schemas/a-value"}) {
        auto r = resolve_static(files, p, "");
        ASSERT_EQ(r.status, 200) << p;
        EXPECT_STREQ(r.file->path, "index.html") << p;
    }
    EXPECT_EQ(resolve_static(files, "assets/missing.js", "").status, 404);
    EXPECT_EQ(resolve_static(files, "assets/../index.html", "").status, 404);
}

TEST(ui_static, etag_revalidation) {
    EXPECT_EQ(resolve_static(files, "assets/app.js", "\"bbbb\"").status, 304);
    EXPECT_EQ(resolve_static(files, "assets/app.js", "\"x\", W/\"bbbb\"").status, 304);
    EXPECT_EQ(resolve_static(files, "assets/app.js", "*").status, 304);
    EXPECT_EQ(resolve_static(files, "assets/app.js", "\"aaaa\"").status, 200);
}

TEST(ui_static, content_types) {
    EXPECT_EQ(content_type_of("a.css"), "text/css; charset=utf-8");
    EXPECT_EQ(content_type_of("a.svg"), "image/svg+xml");
    EXPECT_EQ(content_type_of("a.png"), "image/png");
    EXPECT_EQ(content_type_of("README"), "application/octet-stream");
}

TEST(ui_static, embedded_ui_has_an_index_and_scripts) {
    auto all = assets();
    auto r = resolve_static(all, "", "");
    ASSERT_EQ(r.status, 200);
    EXPECT_NE(r.file->bytes().find("<script type=\"module\""), std::string_view::npos);
    EXPECT_EQ(resolve_static(all, "assets/js/main.js", "").status, 200);
}
