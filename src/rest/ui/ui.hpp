#pragma once
// Ferry's web UI, served by every worker's REST server:
//   /ui/...                 the single-page app (files compiled into the binary, see static_files.hpp)
//   /ferry/v1/info          this worker: id, mode, cluster id, whether a schema registry is configured
//   /ferry/v1/workers       the workers that run this cluster's connectors and tasks
//   /ferry/v1/topics        topics with their partitions' start and end offsets
//   /ferry/v1/topics/{t}    one topic
//   /ferry/v1/topics/{t}/messages?n=&format=&key_format=&partition=
//                           the latest n records, decoded (auto, json, avro, string, hex)
//   /ferry/v1/connectors    every connector's config, /ferry/v1/connectors/{c}/config one connector's:
//                           with PASSWORD values (and other secrets) hidden, so the UI never gets them
//   /ferry/v1/registry/...  read-only pass-through to the schema registry (subjects, schemas, config)
// Kafka Connect has no such resources; the UI drives Connect's own REST API for everything else.
// All of them are GETs and sit behind the REST server's authentication like every other path.

#include "runtime/herder.hpp"

#include <map>
#include <string>

namespace ferry::rest {

class server;

struct ui_settings {
    std::string worker_id;
    std::string mode; // "standalone" or "distributed"
    // Kafka client settings of the worker (bootstrap.servers resolved, security settings).
    std::map<std::string, std::string> kafka_props;
    // The worker's configuration: where the schema registry is, which topics are internal.
    std::map<std::string, std::string> worker_props;
};

// Registers the UI's routes; call before server::start().
void register_ui(server& s, runtime::herder& h, ui_settings settings);

} // namespace ferry::rest
