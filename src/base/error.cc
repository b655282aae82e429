#include "base/error.hpp"

namespace ferry {

const char* errc_name(errc k) {
    switch (k) {
    case errc::invalid_argument: return "invalid_argument";
    case errc::not_found: return "not_found";
    case errc::forbidden: return "forbidden";
    case errc::already_exists: return "already_exists";
    case errc::conflict: return "conflict";
    case errc::not_leader: return "not_leader";
    case errc::io: return "io";
    case errc::timeout: return "timeout";
    case errc::unavailable: return "unavailable";
    case errc::internal: return "internal";
    }
    return "internal";
}

} // namespace ferry
