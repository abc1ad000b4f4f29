// Layers defaults < file < environment < flags onto one Config.
#include "parley/config/config.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>

extern char** environ;

namespace parley::config {
namespace {

const ConfigKey* find_key(const std::string& name) {
  for (const auto& k : config_keys()) {
    if (name == k.name) return &k;
  }
  return nullptr;
}

std::string trim(std::string s) {
  const auto not_space = [](unsigned char ch) { return !std::isspace(ch); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

void apply(Config& c, const ConfigKey& key, const std::string& value, const std::string& source) {
  const std::string err = key.set(c, value);
  if (!err.empty()) {
    throw ConfigError("invalid value for " + std::string(key.name) + " (" + source + "): " + err);
  }
}

struct Flag {
  std::string name;  // without dashes, as given: "database-url"
  std::string value;
};

// "--name value", "--name=value", or "--switch" for boolean keys.
std::vector<Flag> parse_flags(const std::vector<std::string>& args, const std::vector<std::string>& extra_names,
                              const std::vector<std::string>& extra_switches) {
  std::vector<Flag> flags;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) != 0 || a.size() == 2) throw ConfigError("unexpected argument: " + a);
    std::string name = a.substr(2);
    std::string value;
    const auto eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else {
      std::string key = name;
      std::replace(key.begin(), key.end(), '-', '_');
      const ConfigKey* k = find_key(key);
      const bool is_switch = k != nullptr && k->is_flag_switch;
      const bool next_is_value = i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0;
      if (is_switch && !next_is_value) {
        value = "true";
      } else if (next_is_value) {
        value = args[++i];
      } else if (k == nullptr && std::find(extra_names.begin(), extra_names.end(), name) == extra_names.end()) {
        throw ConfigError("unknown flag: --" + name);
      } else if (k == nullptr && std::find(extra_switches.begin(), extra_switches.end(), name) != extra_switches.end()) {
        value = "true";  // a command's own switch given bare, e.g. `token create --server`
      } else {
        throw ConfigError("flag --" + name + " needs a value");
      }
    }
    flags.push_back({name, value});
  }
  return flags;
}

void apply_file(Config& c, const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError("cannot read config file " + path);
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    const auto hash = line.find('#');
    if (hash != std::string::npos) line = line.substr(0, hash);
    line = trim(line);
    if (line.empty()) continue;
    const auto eq = line.find('=');
    const std::string where = path + ":" + std::to_string(line_no);
    if (eq == std::string::npos) throw ConfigError("expected key = value at " + where);
    const std::string key = trim(line.substr(0, eq));
    std::string value = trim(line.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    const ConfigKey* k = find_key(key);
    if (k == nullptr) throw ConfigError("unknown config key '" + key + "' at " + where);
    apply(c, *k, value, where);
  }
}

}  // namespace

std::string env_name(const std::string& key) {
  std::string out = "PARLEY_";
  for (char ch : key) out += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return out;
}

std::string flag_name(const std::string& key) {
  std::string out = key;
  std::replace(out.begin(), out.end(), '_', '-');
  return out;
}

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string kv = *e;
    const auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return env;
}

Config load_config(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                   std::map<std::string, std::string>* extra_flags,
                   const std::vector<std::string>& extra_flag_names,
                   const std::vector<std::string>& extra_switch_names) {
  const auto flags = parse_flags(args, extra_flag_names, extra_switch_names);

  std::string config_path;
  if (auto it = env.find("PARLEY_CONFIG"); it != env.end()) config_path = it->second;
  for (const auto& f : flags) {
    if (f.name == "config") config_path = f.value;
  }

  Config c;
  if (!config_path.empty()) apply_file(c, config_path);

  for (const auto& key : config_keys()) {
    if (auto it = env.find(env_name(key.name)); it != env.end()) {
      apply(c, key, it->second, "environment " + env_name(key.name));
    }
  }

  for (const auto& f : flags) {
    if (f.name == "config") continue;
    std::string key = f.name;
    std::replace(key.begin(), key.end(), '-', '_');
    if (const ConfigKey* k = find_key(key)) {
      apply(c, *k, f.value, "flag --" + f.name);
    } else if (std::find(extra_flag_names.begin(), extra_flag_names.end(), f.name) != extra_flag_names.end() &&
               extra_flags != nullptr) {
      (*extra_flags)[f.name] = f.value;
    } else {
      throw ConfigError("unknown flag: --" + f.name);
    }
  }

  if (!c.tls_cert.empty() != !c.tls_key.empty()) {
    throw ConfigError("invalid value for tls_cert/tls_key: give both or neither");
  }
  return c;
}

}  // namespace parley::config
