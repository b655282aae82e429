#pragma once
// The offsets API of one connector (KIP-875: GET, PATCH and DELETE /connectors/{c}/offsets), the
// same for the standalone and the distributed herder; the herders only check that the connector
// exists and, for changes, that it is STOPPED, and hand over their offset store.
//
// Sink connectors: the committed offsets of the connector's consumer group (sink_offsets.hpp).
// Source connectors: the entries of the offset store whose key names the connector. Changes go
// through the connector's own alter_offsets() hook first (a connector can refuse them, e.g. a
// malformed position, or say that it manages offsets itself), then into the store or the group;
// the success message says whether the connector confirmed it manages its offsets, in Kafka's
// words.

#include "base/error.hpp"
#include "runtime/herder.hpp"
#include "runtime/worker.hpp"
#include "storage/offset_store.hpp"

#include <string>
#include <vector>

namespace ferry::runtime {

// `config` is the connector's raw config (references are resolved here).
result<std::vector<connector_offset>> read_connector_offsets(worker& w, const storage::offset_store& store,
                                                             const std::string& name, const config_map& config);

// `offsets` null = reset every offset of the connector. Returns the success message.
result<std::string> modify_connector_offsets(worker& w, storage::offset_store& store, const std::string& name,
                                             const config_map& config, const std::vector<connector_offset>* offsets);

} // namespace ferry::runtime
