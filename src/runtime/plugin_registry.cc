#include "ferry/plugin.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace ferry {

std::string_view plugin_type_name(plugin_type t) {
    switch (t) {
    case plugin_type::source: return "source";
    case plugin_type::sink: return "sink";
    case plugin_type::converter: return "converter";
    case plugin_type::header_converter: return "header_converter";
    case plugin_type::transformation: return "transformation";
    case plugin_type::predicate: return "predicate";
    }
    return "unknown";
}

namespace {

std::string_view simple_name(std::string_view fqcn) {
    auto dot = fqcn.rfind('.');
    return dot == std::string_view::npos ? fqcn : fqcn.substr(dot + 1);
}

bool is_connector(plugin_type t) { return t == plugin_type::source || t == plugin_type::sink; }

// Kafka Connect accepts the FQCN, the simple class name and, for connectors, the simple name
// without the "Connector" suffix. Aliases registered by the plugin are matched the same way.
bool matches(const plugin_info& info, std::string_view name) {
    auto check = [&](std::string_view candidate) {
        if (candidate == name) return true;
        auto simple = simple_name(candidate);
        if (simple == name) return true;
        if (is_connector(info.type) && simple.ends_with("Connector") &&
            simple.substr(0, simple.size() - 9) == name)
            return true;
        return false;
    };
    if (check(info.class_name)) return true;
    return std::any_of(info.aliases.begin(), info.aliases.end(), check);
}

} // namespace

#define FERRY_ADD(type_enum, iface)                                                                  \
    info.type = type_enum;                                                                           \
    _entries.push_back({std::move(info), [make = std::move(make)]() -> void* { return make().release(); }})

void plugin_registry::add_source_connector(plugin_info info, std::function<std::unique_ptr<source_connector>()> make) {
    FERRY_ADD(plugin_type::source, source_connector);
}
void plugin_registry::add_sink_connector(plugin_info info, std::function<std::unique_ptr<sink_connector>()> make) {
    FERRY_ADD(plugin_type::sink, sink_connector);
}
void plugin_registry::add_converter(plugin_info info, std::function<std::unique_ptr<converter>()> make) {
    FERRY_ADD(plugin_type::converter, converter);
}
void plugin_registry::add_header_converter(plugin_info info, std::function<std::unique_ptr<header_converter>()> make) {
    FERRY_ADD(plugin_type::header_converter, header_converter);
}
void plugin_registry::add_transformation(plugin_info info, std::function<std::unique_ptr<transformation>()> make) {
    FERRY_ADD(plugin_type::transformation, transformation);
}
void plugin_registry::add_predicate(plugin_info info, std::function<std::unique_ptr<predicate>()> make) {
    FERRY_ADD(plugin_type::predicate, predicate);
}
#undef FERRY_ADD

void plugin_registry::add_source_task(std::string class_name, std::function<std::unique_ptr<source_task>()> make) {
    _source_tasks.emplace_back(std::move(class_name), std::move(make));
}
void plugin_registry::add_sink_task(std::string class_name, std::function<std::unique_ptr<sink_task>()> make) {
    _sink_tasks.emplace_back(std::move(class_name), std::move(make));
}

const plugin_registry::entry* plugin_registry::lookup(std::string_view name, plugin_type type) const {
    // Exact class names win over simple-name matches so that two plugins sharing a simple name
    // stay addressable by their full names.
    for (auto& e : _entries)
        if (e.info.type == type && e.info.class_name == name) return &e;
    for (auto& e : _entries)
        if (e.info.type == type && matches(e.info, name)) return &e;
    return nullptr;
}

const plugin_info* plugin_registry::find(std::string_view name, plugin_type type) const {
    auto e = lookup(name, type);
    return e ? &e->info : nullptr;
}

const plugin_info* plugin_registry::find_connector(std::string_view name) const {
    if (auto p = find(name, plugin_type::source)) return p;
    return find(name, plugin_type::sink);
}

std::vector<const plugin_info*> plugin_registry::list(plugin_type type) const {
    std::vector<const plugin_info*> out;
    for (auto& e : _entries)
        if (e.info.type == type) out.push_back(&e.info);
    std::sort(out.begin(), out.end(), [](auto a, auto b) { return a->class_name < b->class_name; });
    return out;
}

namespace {
std::string available(const plugin_registry& r, std::initializer_list<plugin_type> types) {
    std::vector<std::string> names;
    for (auto t : types)
        for (auto p : r.list(t)) names.push_back(p->class_name);
    std::sort(names.begin(), names.end());
    return fmt::format("{}", fmt::join(names, ", "));
}
} // namespace

std::unique_ptr<connector> plugin_registry::make_connector(std::string_view name) const {
    if (auto e = lookup(name, plugin_type::source))
        return std::unique_ptr<connector>(static_cast<source_connector*>(e->make()));
    if (auto e = lookup(name, plugin_type::sink))
        return std::unique_ptr<connector>(static_cast<sink_connector*>(e->make()));
    throw connect_error(fmt::format("Failed to find any class that implements Connector and which name matches {}, "
                                    "available connectors are: {}",
                                    name, available(*this, {plugin_type::source, plugin_type::sink})));
}

std::unique_ptr<source_task> plugin_registry::make_source_task(std::string_view task_class) const {
    for (auto& [n, make] : _source_tasks)
        if (n == task_class || simple_name(n) == task_class) return make();
    throw connect_error(fmt::format("Task class {} not found", task_class));
}

std::unique_ptr<sink_task> plugin_registry::make_sink_task(std::string_view task_class) const {
    for (auto& [n, make] : _sink_tasks)
        if (n == task_class || simple_name(n) == task_class) return make();
    throw connect_error(fmt::format("Task class {} not found", task_class));
}

bool plugin_registry::is_source_task(std::string_view task_class) const {
    for (auto& [n, make] : _source_tasks)
        if (n == task_class || simple_name(n) == task_class) return true;
    return false;
}

#define FERRY_MAKE(method, iface, type_enum, what)                                                   \
    std::unique_ptr<iface> plugin_registry::method(std::string_view name) const {                    \
        if (auto e = lookup(name, type_enum)) return std::unique_ptr<iface>(static_cast<iface*>(e->make())); \
        throw connect_error(fmt::format("Class {} could not be found as a " what "; available: {}", name, \
                                        available(*this, {type_enum})));                              \
    }
FERRY_MAKE(make_converter, converter, plugin_type::converter, "converter")
FERRY_MAKE(make_header_converter, header_converter, plugin_type::header_converter, "header converter")
FERRY_MAKE(make_transformation, transformation, plugin_type::transformation, "transformation")
FERRY_MAKE(make_predicate, predicate, plugin_type::predicate, "predicate")
#undef FERRY_MAKE

} // namespace ferry
