#pragma once
// The internal error type. `kind` lets callers (the REST layer above all) map an error to a
// status without parsing messages; `message` is for people and must never contain secrets.

#include "base/expected.hpp"

#include <fmt/format.h>

#include <string>

namespace ferry {

enum class errc {
    invalid_argument, // bad input from a user: config, request body, file content (REST 400)
    not_found,        // REST 404
    forbidden,        // REST 403 (a bad inter-worker signature, a disabled feature)
    already_exists,   // REST 409
    conflict,         // state does not allow the operation now, e.g. rebalance (REST 409)
    not_leader,       // another worker must do it; the message is that worker's REST URL (REST forwards)
    io,               // file or network failure
    timeout,
    unavailable,      // a dependency (broker, database) cannot be reached now; worth retrying
    internal,         // a bug or an unexpected state (REST 500)
};

struct error {
    errc kind = errc::internal;
    std::string message;

    error() = default;
    error(errc k, std::string m) : kind(k), message(std::move(m)) {}
};

template <class T = void>
using result = expected<T, error>;

template <class... Args>
unexpected<error> fail(errc kind, fmt::format_string<Args...> f, Args&&... args) {
    return unexpected<error>(error(kind, fmt::format(f, std::forward<Args>(args)...)));
}

inline unexpected<error> fail(error e) { return unexpected<error>(std::move(e)); }

const char* errc_name(errc k);

} // namespace ferry
