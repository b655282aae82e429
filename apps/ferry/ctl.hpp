#pragma once
// ferry ctl: a command-line client of the Kafka Connect REST API, in the spirit of kcctl. It talks to
// any worker that speaks that API (Ferry or Kafka Connect): the worker URL comes from --url, else
// FERRY_URL, else http://localhost:8083. Tables for people, `-o json` for scripts (the server's
// entities, pretty-printed; actions without a body print {"message": ...}). Exit codes: 0 success,
// 1 the server refused (its message on stderr) or could not be reached, 2 usage errors; `plugins
// validate` exits 1 when the configuration has errors. See docs/ctl.md.

#include "base/error.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace ferry::app::ctl_cli {

// Where the worker is: "http://host:port[/prefix]", optionally with "user:password@" for HTTP basic
// authentication.
struct endpoint {
    std::string scheme = "http";
    std::string host;
    int port = 8083;
    std::string prefix; // path before /connectors, without a trailing slash
    std::string user, password;
    std::string origin() const; // scheme://host:port
};
result<endpoint> parse_url(std::string_view url);

// A left-aligned text table: header row, then rows; columns two spaces apart, no trailing blanks.
std::string render_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);

} // namespace ferry::app::ctl_cli
