#pragma once
// FileStreamSource and FileStreamSink: Kafka's example file connectors (spec kafka-connect.md
// section 9) with the same keys, records and offsets - plus one deliberate difference: the source
// counts its position in BYTES, so multibyte UTF-8 input does not drift on restart (Java counts
// chars but skips bytes).

#include "ferry/plugin.hpp"

namespace ferry::plugins::file {

inline constexpr const char* source_class = "org.apache.kafka.connect.file.FileStreamSourceConnector";
inline constexpr const char* source_task_class = "org.apache.kafka.connect.file.FileStreamSourceTask";
inline constexpr const char* sink_class = "org.apache.kafka.connect.file.FileStreamSinkConnector";
inline constexpr const char* sink_task_class = "org.apache.kafka.connect.file.FileStreamSinkTask";

const config::config_def& source_config_def();
const config::config_def& sink_config_def();
void register_source(plugin_registry& r);
void register_sink(plugin_registry& r);

} // namespace ferry::plugins::file

namespace ferry {
void register_file_connectors(plugin_registry& r);
}
