#pragma once
// The subcommands of the ferry binary. Each returns the process exit code.

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ferry::app {

using args = std::vector<std::string>;

int standalone(const args& a);     // ferry standalone worker.properties [connector files...]
int distributed(const args& a);    // ferry distributed worker.properties
int dev(const args& a);            // ferry dev [--examples dir] [--data-dir dir] ...
int embedded_kafka(const args& a); // ferry embedded-kafka [--listener host:port] [--data-dir dir]
int plugins(const args& a);        // ferry plugins
int version(const args& a);        // ferry version
int ctl(const args& a);            // ferry ctl [--url URL] [-o json] connectors|plugins|loggers ...
int schema_registry(const args& a); // ferry schema-registry registry.properties

// The Schema Registry embedded in `ferry dev` (127.0.0.1:8081 unless schema.registry.listeners says
// otherwise); nullptr when disabled or when it could not start (logged). Destroying it stops it.
std::shared_ptr<void> start_dev_schema_registry(const std::string& bootstrap,
                                                const std::map<std::string, std::string>& worker_props);

} // namespace ferry::app
