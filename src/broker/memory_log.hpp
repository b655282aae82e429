#pragma once
// An in-memory implementation of the storage interface (storage/log.hpp) for the broker's own
// unit tests: same contracts, no files, no background thread. Not for production: nothing is
// durable and memory grows with the data.

#include "broker/storage/log.hpp"

namespace ferry::broker {

std::unique_ptr<storage::log_manager> make_memory_log_manager(storage::topic_config defaults = {});

} // namespace ferry::broker
