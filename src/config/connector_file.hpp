#pragma once
// Connector definition files given to `ferry standalone worker.properties conn1.properties conn2.json`
// (Kafka's ConnectStandalone#parseConnectorConfigurationFile). A file may be:
//   1. a JSON object of config keys to values: {"name":"local-file-source","connector.class":...}
//      which must contain "name";
//   2. a JSON object shaped like the POST /connectors body:
//      {"name":"x","config":{...},"initial_state":"PAUSED"}; other top-level fields are ignored, a
//      config.name different from name is an error, a missing config.name is filled in;
//   3. a Java .properties file (which must contain "name").
// They are tried in that order, exactly as Java does: a JSON document that is not a flat map of
// scalars (1) falls through to (2), and one that fits neither, or is not JSON, is read as
// properties (3). Values follow Jackson's coercion into Map<String, String>: numbers keep their
// literal text (1.50 stays "1.50"), booleans become "true"/"false"; a null value is rejected with
// the message Connect's validation gives it. Trailing text after the JSON value is ignored, as
// Jackson ignores it.
//
// Where Java would end with a puzzling "missing the mandatory 'name'" because a broken JSON file
// was read as properties, the error here says what is wrong with the JSON instead (with line and
// column). Every error names the file; .properties errors also name the line.

#include "base/error.hpp"
#include "ferry/config/config_def.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace ferry::config {

// POST /connectors "initial_state" (Kafka's CreateConnectorRequest.InitialState).
enum class initial_state { running, paused, stopped };
std::string_view initial_state_name(initial_state s); // "RUNNING", "PAUSED", "STOPPED"
// Case-insensitive, as InitialState.forValue.
std::optional<initial_state> parse_initial_state(std::string_view s);

enum class connector_file_format { json_map, json_request, properties };

struct connector_definition {
    std::string name;
    config_map config; // contains "name"
    std::optional<initial_state> initial;
    connector_file_format format = connector_file_format::properties;
};

// Parses the content of a connector file; `source` names it in errors.
result<connector_definition> parse_connector_definition(std::string_view text, std::string_view source);
// Reads and parses a connector file; errors name the path as given.
result<connector_definition> load_connector_file(const std::string& path);

} // namespace ferry::config
