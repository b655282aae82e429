#pragma once
// The plugin registry. Every plugin registers itself through one explicit function,
// `void register_<name>(plugin_registry&)`, called from one place (src/runtime/plugins.cc); there
// are no static-initialisation tricks, so deleting a plugin's folder and its one line there removes
// it cleanly.
//
// Names. A plugin has one canonical class name - the Java class name users already type, e.g.
// "org.apache.kafka.connect.file.FileStreamSourceConnector" - plus aliases. Lookup accepts the full
// name, any alias, the simple name ("FileStreamSourceConnector") and, for connectors, the simple
// name without "Connector" ("FileStreamSource"), as Kafka Connect does.

#include "ferry/config/config_def.hpp"
#include "ferry/connect/connector.hpp"
#include "ferry/connect/sink_task.hpp"
#include "ferry/connect/source_task.hpp"
#include "ferry/convert/converter.hpp"
#include "ferry/transform/transformation.hpp"

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ferry {

enum class plugin_type { source, sink, converter, header_converter, transformation, predicate };
std::string_view plugin_type_name(plugin_type t); // "source", "sink", "converter", "header_converter", ...

struct plugin_info {
    std::string class_name;
    std::vector<std::string> aliases;
    plugin_type type;
    std::string version;
    std::function<const config::config_def&()> config_def;
};

class plugin_registry {
public:
    void add_source_connector(plugin_info info, std::function<std::unique_ptr<source_connector>()> make);
    void add_sink_connector(plugin_info info, std::function<std::unique_ptr<sink_connector>()> make);
    void add_source_task(std::string class_name, std::function<std::unique_ptr<source_task>()> make);
    void add_sink_task(std::string class_name, std::function<std::unique_ptr<sink_task>()> make);
    void add_converter(plugin_info info, std::function<std::unique_ptr<converter>()> make);
    void add_header_converter(plugin_info info, std::function<std::unique_ptr<header_converter>()> make);
    void add_transformation(plugin_info info, std::function<std::unique_ptr<transformation>()> make);
    void add_predicate(plugin_info info, std::function<std::unique_ptr<predicate>()> make);

    // nullptr when unknown.
    const plugin_info* find(std::string_view name, plugin_type type) const;
    // Any connector (source or sink) by name.
    const plugin_info* find_connector(std::string_view name) const;
    std::vector<const plugin_info*> list(plugin_type type) const;

    // Each throws connect_error with the list of available plugins when the name is unknown.
    std::unique_ptr<connector> make_connector(std::string_view name) const;
    std::unique_ptr<source_task> make_source_task(std::string_view task_class) const;
    std::unique_ptr<sink_task> make_sink_task(std::string_view task_class) const;
    bool is_source_task(std::string_view task_class) const;
    std::unique_ptr<converter> make_converter(std::string_view name) const;
    std::unique_ptr<header_converter> make_header_converter(std::string_view name) const;
    std::unique_ptr<transformation> make_transformation(std::string_view name) const;
    std::unique_ptr<predicate> make_predicate(std::string_view name) const;

private:
    struct entry {
        plugin_info info;
        std::function<void*()> make; // returns a raw owning pointer of the entry's interface type
    };
    const entry* lookup(std::string_view name, plugin_type type) const;
    std::vector<entry> _entries;
    std::vector<std::pair<std::string, std::function<std::unique_ptr<source_task>()>>> _source_tasks;
    std::vector<std::pair<std::string, std::function<std::unique_ptr<sink_task>()>>> _sink_tasks;
};

} // namespace ferry
