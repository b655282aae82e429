#pragma once
// The Schema Registry as the UI sees it: read-only GETs passed through from the browser (so the
// pages load nothing from outside the worker) and schemas by id for decoding peeked records.
//
// Where it is: the worker's converter settings say it, as for Kafka Connect —
// value.converter.schema.registry.url, else key.converter.schema.registry.url, else
// schema.registry.url — a comma-separated list tried in order; basic auth from the matching
// *.basic.auth.user.info when *.basic.auth.credentials.source is USER_INFO.
//
// Threading: called from the REST pool; the schema cache has its own lock.

#include "base/error.hpp"
#include "rest/ui/decode.hpp"

#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace ferry::rest::ui {

class registry_client {
public:
    registry_client() = default;
    registry_client(std::vector<std::string> urls, std::string user_info);
    static registry_client from_worker_props(const std::map<std::string, std::string>& props);

    bool configured() const { return !_urls.empty(); }
    const std::vector<std::string>& urls() const { return _urls; }

    struct response {
        int status = 0;
        std::string body;
        std::string content_type;
    };
    // GET of `target` (path and query, e.g. "/subjects?deleted=true") on the first URL that answers.
    result<response> get(const std::string& target) const;
    // GET /schemas/ids/{id}, cached (ids are immutable).
    result<registered_schema> schema_by_id(int32_t id);

private:
    std::vector<std::string> _urls;
    std::string _user, _password;
    std::mutex _mu;
    std::map<int32_t, registered_schema> _cache;
};

} // namespace ferry::rest::ui
