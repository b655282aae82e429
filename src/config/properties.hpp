#pragma once
// Java .properties files, read exactly as java.util.Properties.load reads them and written as
// Properties.store writes them. worker.properties, connector .properties files and the files
// behind ${file:...} all go through here.
//
// The grammar, for the record (it is older and odder than most people remember):
//  - a logical line is made of natural lines; a line whose content ends in an odd number of
//    backslashes continues on the next one, whose leading spaces, tabs and form feeds are dropped;
//    "\n", "\r" and "\r\n" all end a line;
//  - blank lines and lines whose first non-blank character is '#' or '!' are skipped (a comment
//    never continues, even when it ends in a backslash);
//  - the key ends at the first unescaped '=', ':', space, tab or form feed; blanks around the
//    separator are dropped, and so is one '=' or ':' after blanks ("k  = v" -> "k", "v");
//  - in key and value, \t \n \r \f and \uXXXX are escapes; a backslash before any other
//    character stands for that character ("\=" "\:" "\ " "\#" "\\" ...);
//  - a later duplicate key replaces the value of an earlier one.
// One deliberate difference: bytes are taken as UTF-8 and kept, where Properties.load(InputStream)
// decodes ISO-8859-1 and would turn "é" into "Ã©". \uXXXX escapes (surrogate pairs included) come
// out as UTF-8; a lone surrogate becomes '?', as Java's UTF-8 encoder would write it.

#include "base/error.hpp"
#include "ferry/config/config_def.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace ferry::config {

struct property {
    std::string key;
    std::string value;
    int line = 0; // where the key's logical line starts (1-based); 0 when set programmatically
};

// Properties in the order their keys first appeared; a duplicate updates the value (and line) in place.
class properties {
public:
    void set(std::string key, std::string value, int line = 0);
    bool erase(std::string_view key);
    const std::string* get(std::string_view key) const;
    const property* find(std::string_view key) const;
    bool contains(std::string_view key) const { return find(key) != nullptr; }
    const std::vector<property>& entries() const { return _entries; }
    size_t size() const { return _entries.size(); }
    bool empty() const { return _entries.empty(); }
    config_map to_map() const;

private:
    std::vector<property> _entries;
    std::map<std::string, size_t, std::less<>> _index;
};

// Parses properties text. `source` names the input in errors: "<source>:<line>: <problem>".
// The only malformed input Java rejects is a bad \uXXXX escape.
result<properties> parse_properties(std::string_view text, std::string_view source = "<input>");

// Reads and parses a file; errors name the path as given.
result<properties> load_properties(const std::string& path);

struct store_options {
    std::string comments;       // written first, each line prefixed with '#' (Java's writeComments)
    bool escape_unicode = true; // true = store(OutputStream): non-ASCII as \uXXXX; false = store(Writer)
};
// Writes key=value lines escaped as Properties.store does (no date line, "\n" line ends), so that
// parse_properties(store_properties(p)) == p for every valid UTF-8 key and value.
std::string store_properties(const properties& props, const store_options& opts = {});
std::string store_properties(const config_map& props, const store_options& opts = {});

} // namespace ferry::config
